// The smallest useful Lambda function: no init work, answers at once.
export const handler = async (event) => ({ statusCode: 200, body: 'hello from coldprobe', event });
