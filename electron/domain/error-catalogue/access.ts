import { entry } from './entry'

/** Remote mode of the headless host: access tokens, sign-in, scopes and TLS. */
export const ACCESS_ERRORS = {
  SignInRequired: entry(
    401,
    'invalid',
    [
      'Sign in to use this Loupe.',
      'Enter an access token; whoever runs the server creates one with `loupe tokens create`.',
    ],
    ['请先登录此 Loupe。', '请输入访问令牌;服务器管理员可用 `loupe tokens create` 创建。'],
  ),
  InvalidToken: entry(
    401,
    'invalid',
    [
      'This access token is not valid.',
      'Check that it was copied whole (it starts with loupe_); it may have been revoked — `loupe tokens list` shows the valid ones.',
    ],
    [
      '此访问令牌无效。',
      '请确认完整复制了令牌(以 loupe_ 开头);它也可能已被撤销——`loupe tokens list` 列出有效的令牌。',
    ],
  ),
  TooManySignInAttempts: entry(
    429,
    'throttled',
    [
      'Too many failed sign-ins from this address.',
      'Wait {retryAfterSeconds} seconds, then try again with the right token.',
    ],
    ['此地址登录失败次数过多。', '请等待 {retryAfterSeconds} 秒,再用正确的令牌重试。'],
  ),
  TokenScopeTooNarrow: entry(
    403,
    'invalid',
    [
      'You are signed in with a read-only access token: this operation changes data.',
      'Sign in with a full-access token to do it.',
    ],
    ['当前使用只读访问令牌登录:此操作会修改数据。', '如需执行,请使用完全访问令牌登录。'],
  ),
  TokenNotFound: entry(
    404,
    'invalid',
    ['No access token has this id.', '`loupe tokens list` shows the ids.'],
    ['没有此 ID 的访问令牌。', '`loupe tokens list` 会列出 ID。'],
  ),
  TokenStoreCorrupt: entry(
    500,
    'invalid',
    [
      'The access token file is damaged.',
      'Move {file} away and create the tokens again (`loupe tokens create`).',
    ],
    ['访问令牌文件已损坏。', '请移走 {file},然后重新创建令牌(`loupe tokens create`)。'],
  ),
  InsecureHttpRefused: entry(
    400,
    'invalid',
    [
      'Loupe will not serve plain HTTP on an address other machines can reach.',
      'Give --tls-cert and --tls-key to serve HTTPS, or --insecure-http if the network is trusted.',
    ],
    [
      'Loupe 不会在其他机器可访问的地址上提供明文 HTTP 服务。',
      '请用 --tls-cert 和 --tls-key 提供 HTTPS;若网络可信,可加 --insecure-http。',
    ],
  ),
  TlsFileUnreadable: entry(
    400,
    'invalid',
    [
      'The TLS file {file} cannot be read: {reason}.',
      'Check the path and that the user running Loupe may read it.',
    ],
    ['无法读取 TLS 文件 {file}:{reason}。', '请检查路径,以及运行 Loupe 的用户是否有读取权限。'],
  ),
  TlsCertificateInvalid: entry(
    400,
    'invalid',
    [
      '{file} does not hold a valid TLS certificate: {reason}.',
      'Give --tls-cert a PEM certificate (-----BEGIN CERTIFICATE-----).',
    ],
    [
      '{file} 中没有有效的 TLS 证书:{reason}。',
      '请为 --tls-cert 提供 PEM 格式的证书(-----BEGIN CERTIFICATE-----)。',
    ],
  ),
  TlsKeyInvalid: entry(
    400,
    'invalid',
    [
      '{file} does not hold a valid private key: {reason}.',
      'Give --tls-key the PEM private key of the certificate (unencrypted).',
    ],
    ['{file} 中没有有效的私钥:{reason}。', '请为 --tls-key 提供该证书的 PEM 私钥(未加密)。'],
  ),
  TlsKeyMismatch: entry(
    400,
    'invalid',
    [
      'The TLS private key does not belong to the certificate.',
      'Give the key the certificate was issued for.',
    ],
    ['TLS 私钥与证书不匹配。', '请提供签发该证书时所用的私钥。'],
  ),
} as const
