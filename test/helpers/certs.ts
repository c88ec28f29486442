import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Test certificates made with the `openssl` CLI (Debian package `openssl`).
 *
 * Why the CLI: `openssl ca -startdate/-enddate` sets any notBefore/notAfter (past ones
 * too, for expired certificates) on every OpenSSL from 1.1.1 to 3.x, needs no npm
 * package, and the certificates come from the same library real servers use.
 * Keys are EC P-256: fast to generate, accepted by Node, Go (blackbox_exporter) and
 * PostgreSQL alike.
 */

export interface Certificate {
  name: string;
  commonName: string;
  certPem: string;
  keyPem: string;
  certPath: string;
  keyPath: string;
  /** whole seconds, as written in the certificate */
  notBefore: Date;
  notAfter: Date;
}

export interface CertificateSpec {
  /** file-name stem, unique within one CertificateFactory */
  name: string;
  commonName: string;
  /** DNS names for subjectAltName; none for CA certificates */
  dnsNames?: string[];
  /** IP addresses for subjectAltName */
  ipAddresses?: string[];
  notBefore: Date;
  notAfter: Date;
  /** issuing certificate; self-signed when absent */
  issuer?: Certificate;
  /** true for root and intermediate CAs */
  isCa?: boolean;
}

export interface CertificateFactory {
  dir: string;
  make(spec: CertificateSpec): Certificate;
  /** PEM of several certificates, in order: the chain a server presents */
  bundle(name: string, certificates: Certificate[]): string;
  remove(): void;
}

/** YYYYMMDDHHMMSSZ, the GeneralizedTime form `openssl ca -startdate/-enddate` takes. */
function opensslTime(date: Date): string {
  return date.toISOString().replace(/[-:T]/g, '').replace(/\.\d{3}Z$/, 'Z');
}

/** Drops milliseconds: certificates hold whole seconds. */
export function wholeSeconds(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
    throw new Error(`openssl ${args.join(' ')} failed:\n${stderr}`);
  }
}

export function createCertificateFactory(): CertificateFactory {
  const dir = mkdtempSync(join(tmpdir(), 'lookout-certs-'));
  const made = new Set<string>();

  function make(spec: CertificateSpec): Certificate {
    if (made.has(spec.name)) throw new Error(`certificate name '${spec.name}' used twice`);
    made.add(spec.name);
    // each certificate signs in its own tiny `openssl ca` workspace, so index files never clash
    const work = join(dir, `${spec.name}.ca`);
    mkdirSync(join(work, 'new'), { recursive: true });
    writeFileSync(join(work, 'index.txt'), '');
    const keyPath = join(dir, `${spec.name}.key`);
    const csrPath = join(work, 'request.csr');
    const certPath = join(dir, `${spec.name}.crt`);
    const isCa = spec.isCa ?? false;
    const altNames = [...(spec.dnsNames ?? []).map((n) => `DNS:${n}`), ...(spec.ipAddresses ?? []).map((ip) => `IP:${ip}`)];
    const extensions = [
      '[ext]',
      isCa ? 'basicConstraints = critical, CA:TRUE' : 'basicConstraints = critical, CA:FALSE',
      isCa ? 'keyUsage = critical, keyCertSign, cRLSign' : 'keyUsage = critical, digitalSignature',
      ...(isCa ? [] : ['extendedKeyUsage = serverAuth']),
      'subjectKeyIdentifier = hash',
      ...(spec.issuer ? ['authorityKeyIdentifier = keyid:always'] : []),
      ...(altNames.length ? [`subjectAltName = ${altNames.join(', ')}`] : []),
    ];
    const config = [
      '[ca]',
      'default_ca = lookout_ca',
      '[lookout_ca]',
      `database = ${join(work, 'index.txt')}`,
      `new_certs_dir = ${join(work, 'new')}`,
      'rand_serial = yes',
      'default_md = sha256',
      'policy = policy_any',
      'unique_subject = no',
      'email_in_dn = no',
      'copy_extensions = none',
      '[policy_any]',
      'commonName = supplied',
      ...extensions,
      '[req]',
      'distinguished_name = dn',
      'prompt = no',
      '[dn]',
      `CN = ${spec.commonName}`,
      '',
    ].join('\n');
    const configPath = join(work, 'openssl.cnf');
    writeFileSync(configPath, config);

    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyPath], work);
    openssl(['req', '-new', '-config', configPath, '-key', keyPath, '-out', csrPath], work);
    const dates = ['-startdate', opensslTime(spec.notBefore), '-enddate', opensslTime(spec.notAfter)];
    const signer = spec.issuer
      ? ['-cert', spec.issuer.certPath, '-keyfile', spec.issuer.keyPath]
      : ['-selfsign', '-keyfile', keyPath];
    openssl(
      ['ca', '-batch', '-notext', '-config', configPath, '-extensions', 'ext', ...signer, ...dates, '-in', csrPath, '-out', certPath],
      work,
    );
    return {
      name: spec.name,
      commonName: spec.commonName,
      certPem: readFileSync(certPath, 'utf8'),
      keyPem: readFileSync(keyPath, 'utf8'),
      certPath,
      keyPath,
      notBefore: wholeSeconds(spec.notBefore.getTime()),
      notAfter: wholeSeconds(spec.notAfter.getTime()),
    };
  }

  return {
    dir,
    make,
    bundle(name, certificates) {
      const path = join(dir, `${name}.pem`);
      writeFileSync(path, certificates.map((c) => c.certPem).join(''));
      return path;
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
