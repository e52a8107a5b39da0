import { entry } from './entry'

/**
 * The codes of Alibaba Cloud Image Search (API 2020-12-14) as its documentation lists them, with
 * their documented HTTP status. The local engine answers with the same codes, so both engines are
 * explained alike.
 */
export const IMAGE_SEARCH_ERRORS = {
  BadRequest: entry(
    400,
    'invalid',
    ['A parameter is invalid.', 'Check the fields marked in the form.'],
    ['参数无效。', '请检查表单中标出的字段。'],
  ),
  InvalidInstance: entry(
    400,
    'fatal',
    ['The instance name is unknown.', 'Check the instance name in the profile (Profiles view).'],
    ['实例名称不存在。', '请在“连接配置”中检查实例名称。'],
  ),
  NoCaretSeperator: entry(
    400,
    'invalid',
    ['A line of the batch metadata has no "^" separator.', 'Check the increment.meta file.'],
    ['批量元数据中的某一行缺少 "^" 分隔符。', '请检查 increment.meta 文件。'],
  ),
  EmptyMeta: entry(
    400,
    'invalid',
    ['A line of the batch metadata is empty.', 'Check the increment.meta file.'],
    ['批量元数据中的某一行为空。', '请检查 increment.meta 文件。'],
  ),
  InvalidMetaItem: entry(
    400,
    'invalid',
    ['A line of the batch metadata is invalid.', 'Check the increment.meta file.'],
    ['批量元数据中的某一行无效。', '请检查 increment.meta 文件。'],
  ),
  NoPicList: entry(
    400,
    'invalid',
    ['The picture list is missing.', 'Each line needs a pic_list.'],
    ['缺少图片列表。', '每一行都需要 pic_list。'],
  ),
  InvalidPicList: entry(
    400,
    'invalid',
    ['The picture list is invalid.', 'Each line needs a pic_list.'],
    ['图片列表无效。', '每一行都需要 pic_list。'],
  ),
  InvalidCategory: entry(
    400,
    'invalid',
    ['This category does not exist.', 'Choose one from the list.'],
    ['此类目不存在。', '请从列表中选择。'],
  ),
  OverflowMaxResultNum: entry(
    400,
    'invalid',
    [
      'Only the first 500 results can be paged through.',
      'Narrow the search with a category or a filter.',
    ],
    ['最多只能翻到前 500 条结果。', '请用类目或过滤条件缩小范围。'],
  ),
  OverflowMaxReturnNum: entry(
    400,
    'invalid',
    ['At most 100 results can be returned per request.', 'Lower “results per page”.'],
    ['单次最多返回 100 条结果。', '请减少每页结果数。'],
  ),
  InvalidNumParameter: entry(
    400,
    'invalid',
    ['The number of results is invalid.', 'Use 1 to 100.'],
    ['结果数量无效。', '请使用 1 到 100。'],
  ),
  InvalidStartParameter: entry(
    400,
    'invalid',
    ['The result offset is invalid.', 'Start a new search.'],
    ['结果起始位置无效。', '请重新搜索。'],
  ),
  InvalidIntAttr: entry(
    400,
    'invalid',
    ['A number attribute is invalid.', 'IntAttr values must be whole numbers.'],
    ['数值属性无效。', 'IntAttr 的值必须是整数。'],
  ),
  UnsupportedPicFormat: entry(
    400,
    'invalid',
    ['This image format is not supported.', 'Use JPEG, PNG, BMP, GIF, WebP, TIFF or PPM.'],
    ['不支持此图片格式。', '请使用 JPEG、PNG、BMP、GIF、WebP、TIFF 或 PPM。'],
  ),
  InvalidFilterClause: entry(
    400,
    'invalid',
    ['The filter expression is invalid.', 'Example: int_attr >= 10 AND str_attr = "red"'],
    ['过滤条件无效。', '示例:int_attr >= 10 AND str_attr = "red"'],
  ),
  InstanceOverQuota: entry(
    400,
    'fatal',
    ['The instance is full.', 'Delete images or raise the capacity.'],
    ['实例图片数量已达上限。', '请删除图片或提高容量。'],
  ),
  IncorrectOrientation: entry(
    400,
    'invalid',
    [
      'The picture carries a rotation flag the engine refuses.',
      'Loupe bakes the rotation in before sending; save the picture upright.',
    ],
    ['图片带有引擎不接受的旋转标记。', 'Loupe 会在发送前应用旋转;请将图片保存为正向。'],
  ),
  UnsupportedPicPixels: entry(
    400,
    'invalid',
    [
      'The image is too small or too large.',
      'Each side must be within the service type’s bounds (100–4096 px for products); Loupe shrinks larger pictures itself, up to 100 megapixels.',
    ],
    [
      '图片尺寸过小或过大。',
      '每边须在服务类型的范围内(商品为 100–4096 像素);不超过 1 亿像素的较大图片由 Loupe 自动缩小。',
    ],
  ),
  NoSpecifiedPic: entry(
    400,
    'invalid',
    ['No picture was given.', 'Choose a picture file.'],
    ['未提供图片。', '请选择图片文件。'],
  ),
  NoSpecifiedSearchPic: entry(
    400,
    'invalid',
    ['No picture to search with was given.', 'Drop, paste or choose a picture.'],
    ['未提供用于搜索的图片。', '请拖入、粘贴或选择一张图片。'],
  ),
  NoPermission: entry(
    403,
    'fatal',
    [
      'This AccessKey may not perform the operation.',
      'Grant the RAM user the Image Search permissions (AliyunImageSearchFullAccess).',
    ],
    [
      '此 AccessKey 无权执行该操作。',
      '请为 RAM 用户授予图像搜索权限(AliyunImageSearchFullAccess)。',
    ],
  ),
  DeniedRequest: entry(
    403,
    'throttled',
    ['The instance’s QPS limit was exceeded.', 'Wait a moment; bulk jobs slow down automatically.'],
    ['超过了实例的 QPS 限制。', '请稍候;批量任务会自动降速。'],
  ),
  NetworkException: entry(
    500,
    'transient',
    ['A network error occurred inside the service.', 'Try again in a moment.'],
    ['服务内部发生网络错误。', '请稍后重试。'],
  ),
  UnsupportedInstanceType: entry(
    500,
    'invalid',
    ['The instance type does not support this.', 'Check the instance’s service type.'],
    ['实例类型不支持此操作。', '请检查实例的服务类型。'],
  ),
  UnsupportedOperationType: entry(
    500,
    'invalid',
    ['This engine does not support the operation.', 'Search by text needs the cloud engine.'],
    ['此引擎不支持该操作。', '按文本搜索需要云端引擎。'],
  ),
  AccessEngineFailed: entry(
    500,
    'transient',
    ['The search engine failed.', 'Try again in a moment.'],
    ['搜索引擎出错。', '请稍后重试。'],
  ),
  InternalOssError: entry(
    500,
    'transient',
    ['An internal algorithm error occurred in the service.', 'Try again in a moment.'],
    ['服务内部发生算法错误。', '请稍后重试。'],
  ),
  InternalSwiftError: entry(
    500,
    'transient',
    ['An internal queue error occurred in the service.', 'Try again in a moment.'],
    ['服务内部发生消息队列错误。', '请稍后重试。'],
  ),
  InternalTableStoreError: entry(
    500,
    'transient',
    ['An internal storage error occurred in the service.', 'Try again in a moment.'],
    ['服务内部发生存储错误。', '请稍后重试。'],
  ),
  InstanceStatusError: entry(
    409,
    'invalid',
    [
      'The instance is busy (an import or a rebuild is running).',
      'Try again once it has finished.',
    ],
    ['实例正忙(正在导入或重建)。', '请在完成后重试。'],
  ),
  UnknownException: entry(
    500,
    'transient',
    ['The engine failed unexpectedly.', 'Try again; the log file has the details.'],
    ['引擎发生意外错误。', '请重试;日志文件中有详细信息。'],
  ),
  OperationFailed: entry(
    500,
    'transient',
    ['The service reported a failure.', 'Retry later; if it persists, contact support.'],
    ['服务报告操作失败。', '请稍后重试;如持续出现,请联系技术支持。'],
  ),
  ServiceUnavailable: entry(
    503,
    'transient',
    ['The service is unavailable right now.', 'Try again in a moment.'],
    ['服务暂时不可用。', '请稍后重试。'],
  ),
  ServiceUnavailableTemporary: entry(
    503,
    'transient',
    ['The service is unavailable right now.', 'Try again in a moment.'],
    ['服务暂时不可用。', '请稍后重试。'],
  ),
  Throttling: entry(
    400,
    'transient',
    ['The service limited the request rate.', 'Wait a moment and try again.'],
    ['服务限制了请求频率。', '请稍候再试。'],
  ),
  'Throttling.User': entry(
    400,
    'transient',
    ['The service limited this account’s request rate.', 'Wait a moment and try again.'],
    ['服务限制了此账号的请求频率。', '请稍候再试。'],
  ),
  'Throttling.Api': entry(
    400,
    'transient',
    ['The service limited this operation’s request rate.', 'Wait a moment and try again.'],
    ['服务限制了此操作的请求频率。', '请稍候再试。'],
  ),
  RequestTimeout: entry(
    408,
    'transient',
    ['The request took too long.', 'Try again; check the network.'],
    ['请求超时。', '请重试并检查网络。'],
  ),
} as const

/**
 * The codes of the cloud's API gateway (signatures, AccessKeys, actions), which the wire layer
 * answers with too, and those of the official SDK's own checks.
 */
export const GATEWAY_ERRORS = {
  SignatureDoesNotMatch: entry(
    400,
    'fatal',
    ['The AccessKey secret is wrong.', 'Enter the secret again in the profile.'],
    ['AccessKey Secret 不正确。', '请在配置中重新输入密钥。'],
  ),
  IncompleteSignature: entry(
    400,
    'fatal',
    ['The request signature is malformed.', 'Check the endpoint and the SDK version.'],
    ['请求签名格式不正确。', '请检查接入点和 SDK 版本。'],
  ),
  InvalidAccessKeyId: entry(
    404,
    'fatal',
    ['The AccessKey id is unknown.', 'Check the AccessKey id in the profile.'],
    ['AccessKey ID 不存在。', '请检查连接配置中的 AccessKey ID。'],
  ),
  'InvalidAccessKeyId.NotFound': entry(
    404,
    'fatal',
    ['The AccessKey ID does not exist.', 'Check the AccessKey ID in the profile.'],
    ['AccessKey ID 不存在。', '请检查配置中的 AccessKey ID。'],
  ),
  'InvalidAccessKeyId.Inactive': entry(
    400,
    'fatal',
    ['This AccessKey is disabled.', 'Enable it in the RAM console.'],
    ['此 AccessKey 已被禁用。', '请在 RAM 控制台中启用。'],
  ),
  InvalidAccessKeySecret: entry(
    400,
    'fatal',
    ['The AccessKey secret is wrong.', 'Enter the secret again in the profile.'],
    ['AccessKey Secret 不正确。', '请在配置中重新输入密钥。'],
  ),
  'Forbidden.RAM': entry(
    403,
    'fatal',
    ['The RAM user lacks Image Search permissions.', 'Ask an administrator.'],
    ['RAM 用户缺少图像搜索权限。', '请联系管理员。'],
  ),
  'Forbidden.AccessKeyDisabled': entry(
    403,
    'fatal',
    ['This AccessKey is disabled.', 'Enable it in the RAM console.'],
    ['此 AccessKey 已被禁用。', '请在 RAM 控制台中启用。'],
  ),
  InvalidInstanceName: entry(
    400,
    'fatal',
    ['The instance name is unknown.', 'Check the instance name in the profile (Profiles view).'],
    ['实例名称不存在。', '请在“连接配置”中检查实例名称。'],
  ),
  InstanceNotFound: entry(
    404,
    'fatal',
    ['The instance does not exist.', 'Check the instance name and the region in the profile.'],
    ['实例不存在。', '请检查配置中的实例名称和地域。'],
  ),
  'InvalidSecurityToken.Expired': entry(
    400,
    'fatal',
    ['The STS security token has expired.', 'Obtain a new one.'],
    ['STS 安全令牌已过期。', '请获取新的令牌。'],
  ),
  'InvalidSecurityToken.Malformed': entry(
    400,
    'fatal',
    ['The STS security token is malformed.', 'Paste it again.'],
    ['STS 安全令牌格式不正确。', '请重新粘贴。'],
  ),
  'InvalidSecurityToken.MismatchWithAccessKey': entry(
    400,
    'fatal',
    ['The STS security token belongs to another AccessKey.', 'Use the token issued with this key.'],
    ['STS 安全令牌属于另一个 AccessKey。', '请使用与此 AccessKey 一同签发的令牌。'],
  ),
  'InvalidTimeStamp.Expired': entry(
    400,
    'fatal',
    ['The computer’s clock is more than 15 minutes off.', 'Synchronise the clock (NTP) and retry.'],
    ['电脑时钟误差超过 15 分钟。', '请同步时钟(NTP)后重试。'],
  ),
  'InvalidTimeStamp.Format': entry(
    400,
    'invalid',
    ['The request’s time stamp is malformed.', 'Use YYYY-MM-DDThh:mm:ssZ.'],
    ['请求的时间戳格式不正确。', '请使用 YYYY-MM-DDThh:mm:ssZ。'],
  ),
  SignatureNonceUsed: entry(
    400,
    'transient',
    ['The request was seen twice.', 'Retry it.'],
    ['该请求被重复提交。', '请重试。'],
  ),
  MissingSignatureNonce: entry(
    400,
    'invalid',
    ['The request has no signature nonce.', 'Send a SignatureNonce with every request.'],
    ['请求缺少签名随机数。', '每个请求都须带 SignatureNonce。'],
  ),
  InvalidSignatureMethod: entry(
    400,
    'invalid',
    ['The signature method is not supported.', 'Use HMAC-SHA1 with SignatureVersion 1.0.'],
    ['不支持此签名方法。', '请使用 HMAC-SHA1,SignatureVersion 为 1.0。'],
  ),
  'InvalidAction.NotFound': entry(
    404,
    'fatal',
    [
      'The endpoint does not serve this operation.',
      'The endpoint must serve Image Search 2020-12-14. Check the endpoint.',
    ],
    ['此接入点不提供该操作。', '接入点须提供图像搜索 2020-12-14 接口,请检查接入点。'],
  ),
  MissingAction: entry(
    400,
    'invalid',
    ['The request names no action.', 'Send the x-acs-action header or the Action query.'],
    ['请求未指定操作。', '请发送 x-acs-action 请求头或 Action 查询参数。'],
  ),
  InvalidVersion: entry(
    400,
    'invalid',
    ['The API version is not served here.', 'This API serves 2020-12-14.'],
    ['此处不提供该 API 版本。', '此 API 提供 2020-12-14 版本。'],
  ),
  RequestBodyTooLarge: entry(
    413,
    'invalid',
    [
      'The request is too large.',
      'Images must stay under 4 MB (about 5.4 MB once base64-encoded).',
    ],
    ['请求过大。', '图片须小于 4 MB(base64 编码后约 5.4 MB)。'],
  ),
  UnsupportedContentType: entry(
    400,
    'invalid',
    ['The request’s content type is not supported.', 'Send application/x-www-form-urlencoded.'],
    ['不支持请求的内容类型。', '请发送 application/x-www-form-urlencoded。'],
  ),
  UnsupportedHTTPMethod: entry(
    405,
    'invalid',
    ['The HTTP method is not supported.', 'Send a POST (or GET) request.'],
    ['不支持此 HTTP 方法。', '请发送 POST(或 GET)请求。'],
  ),
  MissingAccessKeyId: missing('AccessKeyId'),
  MissingBucketName: missing('BucketName'),
  MissingFilter: missing('Filter'),
  MissingPath: missing('Path'),
  MissingPicContent: missing('PicContent'),
  MissingPicName: missing('PicName'),
  MissingPrimaryPicContent: missing('PrimaryPicContent'),
  MissingProductId: missing('ProductId'),
  MissingSecondaryPicContent: missing('SecondaryPicContent'),
  MissingText: missing('Text'),
  InvalidCredentials: entry(
    400,
    'fatal',
    ['The profile’s AccessKey is incomplete.', 'Enter the AccessKey ID and secret in the profile.'],
    ['连接配置的 AccessKey 不完整。', '请在配置中填写 AccessKey ID 和密钥。'],
  ),
  MissingEndpoint: entry(
    400,
    'fatal',
    ['The profile has no endpoint.', 'Set the region or the endpoint in the profile.'],
    ['连接配置缺少接入点。', '请在配置中设置地域或接入点。'],
  ),
  MissingInstanceName: entry(
    400,
    'fatal',
    ['The profile has no instance name.', 'Set the instance name in the profile.'],
    ['连接配置缺少实例名称。', '请在配置中设置实例名称。'],
  ),
  InvalidEndpoint: entry(
    400,
    'invalid',
    ['The endpoint is invalid.', 'Give a host name, such as imagesearch.cn-shanghai.aliyuncs.com.'],
    ['接入点无效。', '请填写主机名,例如 imagesearch.cn-shanghai.aliyuncs.com。'],
  ),
  ConnectTimeout: entry(
    504,
    'transient',
    [
      'The engine[ at {endpoint}] did not respond in time.',
      'Check the network, the endpoint, or raise the timeouts.',
    ],
    ['引擎[({endpoint})]未及时响应。', '请检查网络、接入点,或调高超时时间。'],
  ),
  ReadTimeout: entry(
    504,
    'transient',
    [
      'The engine[ at {endpoint}] did not finish answering in time.',
      'Check the network or raise the read timeout.',
    ],
    ['引擎[({endpoint})]未及时完成应答。', '请检查网络或调高读取超时时间。'],
  ),
} as const

function missing(parameter: string) {
  return entry(
    400,
    'invalid',
    [`The request has no ${parameter}.`, `${parameter} is mandatory for this action.`],
    [`请求缺少 ${parameter}。`, `此操作必须提供 ${parameter}。`],
  )
}
