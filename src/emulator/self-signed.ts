/**
 * A throwaway self-signed certificate for the emulator's HTTPS listener (`coldprobe emulator --tls`), a test aid:
 * clients that only speak TLS, or code paths that differ over TLS (the AWS target's handshakes), can then be
 * tested against the emulator. Node has no certificate generator, so this asks the `openssl` command line tool
 * (present wherever Debian's ca-certificates is installed); the key never leaves a fresh 0700 folder that
 * `remove()` deletes.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A generated certificate and key, PEM, and where they were written. */
export interface SelfSignedCertificate {
  cert: string;
  key: string;
  /** The certificate's file: what a client trusts (`AWS_CA_BUNDLE`, `--ca-bundle`, `NODE_EXTRA_CA_CERTS`). */
  certPath: string;
  /** Delete the folder with the certificate and its key. */
  remove(): void;
}

/** The `openssl` command could not make the certificate (missing, or it failed). */
export class SelfSignedError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SelfSignedError';
  }
}

/**
 * Make a self-signed certificate (P-256 key, valid one day) for `hosts`: IP literals and names, all in the
 * subject alternative name, which is what TLS clients check (the common name is only the first one).
 */
export function makeSelfSignedCertificate(hosts: readonly string[] = ['127.0.0.1', 'localhost']): SelfSignedCertificate {
  const dir = mkdtempSync(join(tmpdir(), 'coldprobe-tls-'));
  const certPath = join(dir, 'cert.pem');
  const keyPath = join(dir, 'key.pem');
  const san = hosts.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h.replace(/^\[|\]$/g, '')}` : `DNS:${h}`)).join(',');
  try {
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', keyPath, '-out', certPath,
        '-days', '1', '-subj', `/CN=${hosts[0] ?? 'localhost'}`, '-addext', `subjectAltName=${san}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    return { cert: readFileSync(certPath, 'utf8'), key: readFileSync(keyPath, 'utf8'), certPath, remove: () => rmSync(dir, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    const code = (error as { code?: unknown }).code;
    if (code === 'ENOENT') throw new SelfSignedError('--tls makes its certificate with the openssl command, which is not on PATH (Debian: apt-get install openssl).', { cause: error });
    const stderr = (error as { stderr?: Buffer }).stderr?.toString().trim().split('\n')[0];
    throw new SelfSignedError(`openssl could not make the --tls certificate${stderr ? `: ${stderr}` : ''}.`, { cause: error });
  }
}
