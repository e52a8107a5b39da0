import { entry } from './entry'

/**
 * Network failures, under the codes Node and its HTTP client give them: the cloud engine, OSS
 * uploads and export downloads pass them on. All are worth retrying. Each says what could not be
 * reached when the error carries it (`details.endpoint`, e.g. `imagesearch.cn-shanghai.aliyuncs.com`)
 * and what to check.
 */
function net(en: string, zh: string, hint?: readonly [en: string, zh: string]) {
  return entry(
    503,
    'transient',
    [
      en,
      hint?.[0] ??
        'Usually temporary: Loupe retries. If it persists, check this computer’s network connection and proxy settings.',
    ],
    [zh, hint?.[1] ?? '通常是暂时的:Loupe 会重试。如持续出现,请检查本机的网络连接和代理设置。'],
  )
}

const CHECK_ENDPOINT = [
  'Check the profile’s region or endpoint and port, and that the service (or the remote Loupe) is running.',
  '请检查配置中的地域或接入点和端口,以及服务(或远程 Loupe)是否在运行。',
] as const

export const NETWORK_ERRORS = {
  ECONNREFUSED: net(
    'Cannot connect[ to {endpoint}]: nothing accepts connections there.',
    '无法连接[ {endpoint}]:那里没有服务接受连接。',
    CHECK_ENDPOINT,
  ),
  ENOTFOUND: net(
    'The host name[ of {endpoint}] does not resolve.',
    '无法解析[ {endpoint} 的]主机名。',
    [
      'Check the spelling of the region or endpoint, this computer’s DNS, and that it is online.',
      '请检查地域或接入点的拼写、本机的 DNS 设置,以及是否已联网。',
    ],
  ),
  EAI_AGAIN: net(
    'The DNS lookup[ of {endpoint}] failed for now.',
    '[{endpoint} 的 ]DNS 查询暂时失败。',
    [
      'Check that this computer is online and its DNS works.',
      '请检查本机是否已联网以及 DNS 是否正常。',
    ],
  ),
  ECONNRESET: net('The connection[ to {endpoint}] was reset.', '[与 {endpoint} 的]连接被重置。'),
  ECONNABORTED: net(
    'The connection[ to {endpoint}] was aborted.',
    '[与 {endpoint} 的]连接被中止。',
  ),
  EPIPE: net(
    'The connection[ to {endpoint}] was closed while sending.',
    '发送时[与 {endpoint} 的]连接被关闭。',
  ),
  ETIMEDOUT: net('The connection[ to {endpoint}] timed out.', '[与 {endpoint} 的]连接超时。', [
    'Check the network connection, a firewall or proxy between this computer and the endpoint.',
    '请检查网络连接,以及本机与接入点之间的防火墙或代理。',
  ]),
  ESOCKETTIMEDOUT: net('The connection[ to {endpoint}] timed out.', '[与 {endpoint} 的]连接超时。'),
  EHOSTUNREACH: net(
    'The host[ {endpoint}] is unreachable.',
    '无法访问主机[ {endpoint}]。',
    CHECK_ENDPOINT,
  ),
  EHOSTDOWN: net('The host[ {endpoint}] is down.', '主机[ {endpoint}]已关闭。', CHECK_ENDPOINT),
  ENETUNREACH: net(
    'The network is unreachable[ (while connecting to {endpoint})].',
    '网络不可达[(连接 {endpoint} 时)]。',
    ['Check that this computer is online.', '请检查本机是否已联网。'],
  ),
  ENETDOWN: net('The network is down.', '网络已断开。', [
    'Check that this computer is online.',
    '请检查本机是否已联网。',
  ]),
  ENETRESET: net('The network connection was reset.', '网络连接被重置。'),
  UND_ERR_SOCKET: net('The connection[ to {endpoint}] failed.', '[与 {endpoint} 的]连接失败。'),
  UND_ERR_CONNECT_TIMEOUT: net(
    'Connecting[ to {endpoint}] timed out.',
    '连接[ {endpoint} ]超时。',
    CHECK_ENDPOINT,
  ),
  UND_ERR_HEADERS_TIMEOUT: net(
    'The server[ {endpoint}] did not answer in time.',
    '服务器[ {endpoint} ]未及时响应。',
  ),
  UND_ERR_BODY_TIMEOUT: net(
    'The server[ {endpoint}] stopped sending.',
    '服务器[ {endpoint} ]停止了发送。',
  ),
  UND_ERR_CLOSED: net(
    'The connection[ to {endpoint}] was closed.',
    '[与 {endpoint} 的]连接已关闭。',
  ),
  ERR_STREAM_PREMATURE_CLOSE: net('The transfer ended early.', '传输提前结束。'),
} as const
