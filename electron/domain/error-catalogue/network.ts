import { entry } from './entry'

/**
 * Network failures, under the codes Node and its HTTP client give them: the cloud engine, OSS
 * uploads and export downloads pass them on. All are worth retrying.
 */
function net(en: string, zh: string) {
  return entry(
    503,
    'transient',
    [en, 'Usually temporary: Loupe retries; check the network if it persists.'],
    [zh, '通常是暂时的:Loupe 会重试;如持续出现,请检查网络。'],
  )
}

export const NETWORK_ERRORS = {
  ECONNREFUSED: entry(
    503,
    'transient',
    ['Nothing accepts connections at this endpoint.', 'Check the endpoint and port.'],
    ['此接入点不接受连接。', '请检查接入点和端口。'],
  ),
  ENOTFOUND: entry(
    503,
    'transient',
    ['The endpoint’s host name does not resolve.', 'Check the region/endpoint and DNS.'],
    ['无法解析接入点的主机名。', '请检查地域/接入点和 DNS。'],
  ),
  EAI_AGAIN: entry(
    503,
    'transient',
    ['The DNS lookup failed for now.', 'Check the network connection.'],
    ['DNS 查询暂时失败。', '请检查网络连接。'],
  ),
  ECONNRESET: net('The connection was reset.', '连接被重置。'),
  ECONNABORTED: net('The connection was aborted.', '连接被中止。'),
  EPIPE: net('The connection was closed while sending.', '发送时连接被关闭。'),
  ETIMEDOUT: net('The connection timed out.', '连接超时。'),
  ESOCKETTIMEDOUT: net('The connection timed out.', '连接超时。'),
  EHOSTUNREACH: net('The endpoint’s host is unreachable.', '无法访问接入点的主机。'),
  EHOSTDOWN: net('The endpoint’s host is down.', '接入点的主机已关闭。'),
  ENETUNREACH: net('The network is unreachable.', '网络不可达。'),
  ENETDOWN: net('The network is down.', '网络已断开。'),
  ENETRESET: net('The network connection was reset.', '网络连接被重置。'),
  UND_ERR_SOCKET: net('The connection failed.', '连接失败。'),
  UND_ERR_CONNECT_TIMEOUT: net('The connection timed out.', '连接超时。'),
  UND_ERR_HEADERS_TIMEOUT: net('The server did not answer in time.', '服务器未及时响应。'),
  UND_ERR_BODY_TIMEOUT: net('The server stopped sending.', '服务器停止了发送。'),
  UND_ERR_CLOSED: net('The connection was closed.', '连接已关闭。'),
  ERR_STREAM_PREMATURE_CLOSE: net('The transfer ended early.', '传输提前结束。'),
} as const
