import { entry } from './entry'

/** Loupe itself: the contract and its hosts, profiles, secrets and AccessKeys. */
export const APP_ERRORS = {
  /** An error without a code of its own (as a job's failed item records it). */
  Error: entry(
    400,
    'invalid',
    ['The operation failed.', 'The message says why.'],
    ['操作失败。', '消息中说明了原因。'],
  ),
  InvalidArgument: entry(400, 'invalid', ['A value is invalid.'], ['某个值无效。']),
  InternalError: entry(
    500,
    'transient',
    [
      'Something went wrong inside Loupe or the engine.',
      'Try again; the log file has the details.',
    ],
    ['Loupe 或引擎内部出错。', '请重试;日志文件中有详细信息。'],
  ),
  InvalidResponse: entry(
    502,
    'transient',
    ['The answer did not match what Loupe expects.', 'Update Loupe, or report the request ID.'],
    ['返回结果与 Loupe 预期不符。', '请更新 Loupe,或报告请求 ID。'],
  ),
  UnknownMethod: entry(
    400,
    'invalid',
    ['This Loupe does not know the operation.', 'Update Loupe on both sides.'],
    ['此 Loupe 不支持该操作。', '请将两端的 Loupe 都更新到最新版本。'],
  ),
  NotImplemented: entry(
    501,
    'invalid',
    ['This host does not offer the operation.', 'Use the desktop app or `loupe serve`.'],
    ['此主机不提供该操作。', '请使用桌面应用或 `loupe serve`。'],
  ),
  // reaching the core and the hosts
  NetworkError: entry(
    503,
    'transient',
    ['The engine could not be reached.', 'Check the network, the region or the endpoint.'],
    ['无法连接到引擎。', '请检查网络、地域或接入点。'],
  ),
  Timeout: entry(
    504,
    'transient',
    ['The engine did not answer in time.', 'Try again; check the network.'],
    ['引擎未及时响应。', '请重试并检查网络。'],
  ),
  HostUnreachable: entry(
    503,
    'transient',
    ['The Loupe host cannot be reached.', 'Is `loupe serve` still running?'],
    ['无法连接 Loupe 主机。', '`loupe serve` 是否仍在运行?'],
  ),
  HttpError: entry(
    502,
    'transient',
    ['The Loupe host answered with an error.', 'Try again; the host’s log says why.'],
    ['Loupe 主机返回了错误。', '请重试;主机的日志中有原因。'],
  ),
  CoreRestarted: entry(
    503,
    'transient',
    [
      'Loupe’s engine stopped while this was running.',
      'It restarts by itself: try again in a moment.',
    ],
    ['执行期间 Loupe 引擎已停止。', '引擎会自动重新启动,请稍后重试。'],
  ),
  CoreUnavailable: entry(
    503,
    'invalid',
    [
      'Loupe’s engine is not running.',
      'Quit Loupe and open it again; the log says why it stopped.',
    ],
    ['Loupe 引擎未在运行。', '请退出并重新打开 Loupe;日志中有停止的原因。'],
  ),
  UnknownRequest: entry(
    400,
    'invalid',
    ['Loupe’s processes do not agree on a request.', 'Quit Loupe and open it again.'],
    ['Loupe 的进程之间无法识别某个请求。', '请退出并重新打开 Loupe。'],
  ),
  Forbidden: entry(
    403,
    'invalid',
    ['Cross-origin requests to the Loupe API are refused.', 'Open the page the server serves.'],
    ['Loupe API 拒绝跨域请求。', '请打开服务器提供的页面。'],
  ),
  MethodNotAllowed: entry(
    405,
    'invalid',
    ['The HTTP method is not allowed here.', 'Call the API with POST.'],
    ['此处不允许该 HTTP 方法。', '请用 POST 调用 API。'],
  ),
  UnsupportedMediaType: entry(
    415,
    'invalid',
    ['The request body is not JSON.', 'Send the argument as application/json.'],
    ['请求内容不是 JSON。', '请以 application/json 发送参数。'],
  ),
  InvalidJson: entry(
    400,
    'invalid',
    ['The request body is not valid JSON.', 'Send the argument as application/json.'],
    ['请求内容不是有效的 JSON。', '请以 application/json 发送参数。'],
  ),
  InvalidUrl: entry(
    400,
    'invalid',
    [
      'The address is not valid.',
      'It has a malformed %-escape, a NUL, a "." or ".." segment, or is encoded twice; use the links Loupe gives.',
    ],
    [
      '地址无效。',
      '地址中含有格式错误的 %-转义、NUL、"." 或 ".." 段,或被重复编码;请使用 Loupe 提供的链接。',
    ],
  ),
  RemotePathRefused: entry(
    403,
    'invalid',
    [
      'From another machine, Loupe does not read or write files on the server by their path.',
      'Send the picture itself (upload or drop it); folders can only be watched on the server’s own machine.',
    ],
    [
      '从其他机器访问时,Loupe 不会按路径读写服务器上的文件。',
      '请直接发送图片(上传或拖入);只能在服务器本机上监视文件夹。',
    ],
  ),
  PayloadTooLarge: entry(
    413,
    'invalid',
    ['The request is too large.', 'Send smaller pictures.'],
    ['请求过大。', '请发送较小的图片。'],
  ),
  // profiles
  ProfileExists: entry(
    400,
    'invalid',
    ['A profile with this name already exists.', 'Choose another name.'],
    ['已存在同名配置。', '请换一个名称。'],
  ),
  ProfileNotFound: entry(
    404,
    'invalid',
    ['There is no profile with this name.', 'Choose a profile from the list.'],
    ['不存在此名称的配置。', '请从列表中选择配置。'],
  ),
  ProfileBuiltin: entry(
    400,
    'invalid',
    [
      'The built-in local profile cannot be removed.',
      'You can change its capacity and QPS instead.',
    ],
    ['内置的本地配置无法删除。', '可以改为修改其容量和 QPS。'],
  ),
  CorruptProfiles: entry(
    500,
    'invalid',
    [
      'The profiles file is damaged.',
      'Fix or move the file away; Loupe recreates the built-in local profile.',
    ],
    ['配置文件已损坏。', '请修复或移走该文件;Loupe 会重新创建内置的本地配置。'],
  ),
  InvalidProfile: entry(
    400,
    'invalid',
    ['The profile is not a cloud profile.', 'Check the profile’s settings.'],
    ['此配置不是云端配置。', '请检查配置的设置。'],
  ),
  // secrets (Settings → Security)
  MissingSecret: entry(
    400,
    'invalid',
    ['The profile has no AccessKey secret.', 'Edit the profile and enter the secret.'],
    ['此配置没有 AccessKey Secret。', '请编辑配置并输入密钥。'],
  ),
  InsecureSecretStore: entry(
    400,
    'invalid',
    [
      'No system keyring was found: AccessKey secrets would be stored in plain text.',
      'Install GNOME Keyring or KWallet and restart Loupe, or accept the risk in Settings → Security.',
    ],
    [
      '未找到系统密钥环:AccessKey 密钥将以明文保存。',
      '请安装 GNOME Keyring 或 KWallet 并重启 Loupe,或在“设置 → 安全”中接受风险。',
    ],
    { settings: 'security' },
  ),
  SecretStoreUnavailable: entry(
    400,
    'invalid',
    [
      'The system keychain is not available.',
      'Unlock or install a keyring (GNOME Keyring, KWallet), then restart Loupe.',
    ],
    ['系统钥匙串不可用。', '请解锁或安装密钥环(GNOME Keyring、KWallet),然后重启 Loupe。'],
    { settings: 'security' },
  ),
  NoPlainTextChoice: entry(
    400,
    'invalid',
    [
      'This secret store has no plain-text fallback to accept or revoke.',
      'Only the desktop app on Linux without a keyring offers this choice.',
    ],
    [
      '此密钥存储没有可接受或撤销的明文方式。',
      '只有在没有密钥环的 Linux 上,桌面应用才提供此选项。',
    ],
  ),
  UnknownSecretMethod: entry(
    400,
    'invalid',
    ['Loupe’s processes do not agree on a secret store request.', 'Quit Loupe and open it again.'],
    ['Loupe 的进程之间无法识别某个密钥存储请求。', '请退出并重新打开 Loupe。'],
  ),
  // AccessKeys of Loupe's own engine API
  KeyStoreCorrupt: entry(
    500,
    'invalid',
    [
      'The AccessKey file of the engine API is damaged.',
      'Move the file away and create the keys again (`loupe keys create`).',
    ],
    ['引擎 API 的 AccessKey 文件已损坏。', '请移走该文件并重新创建密钥(`loupe keys create`)。'],
  ),
  KeyFromEnvironment: entry(
    400,
    'invalid',
    [
      'This AccessKey comes from the environment and cannot be revoked here.',
      'Unset the environment variables and restart the server.',
    ],
    ['此 AccessKey 来自环境变量,无法在此撤销。', '请取消设置这些环境变量并重启服务器。'],
  ),
} as const
