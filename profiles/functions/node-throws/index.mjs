// Always fails, so the function-error path (X-Amz-Function-Error, errorType/errorMessage/trace) can be seen.
export const handler = async () => {
  throw new Error('boom from node-throws');
};
