import type { Locale } from './index'

interface Explanation {
  message: string
  hint?: string
}

/** A human explanation and a hint for every error code Loupe can show. */
const TABLE: Record<string, Record<Locale, Explanation>> = {
  BadRequest: {
    'en-US': { message: 'A parameter is invalid.', hint: 'Check the fields marked in the form.' },
    'zh-CN': { message: '参数无效。', hint: '请检查表单中标出的字段。' },
  },
  InvalidInstance: {
    'en-US': {
      message: 'The instance name is unknown.',
      hint: 'Check the instance name in the profile (Profiles view).',
    },
    'zh-CN': { message: '实例名称不存在。', hint: '请在“连接配置”中检查实例名称。' },
  },
  InvalidFilterClause: {
    'en-US': {
      message: 'The filter expression is invalid.',
      hint: 'Example: int_attr >= 10 AND str_attr = "red"',
    },
    'zh-CN': { message: '过滤条件无效。', hint: '示例:int_attr >= 10 AND str_attr = "red"' },
  },
  OverflowMaxReturnNum: {
    'en-US': {
      message: 'At most 100 results can be returned per request.',
      hint: 'Lower “results per page”.',
    },
    'zh-CN': { message: '单次最多返回 100 条结果。', hint: '请减少每页结果数。' },
  },
  OverflowMaxResultNum: {
    'en-US': {
      message: 'Only the first 500 results can be paged through.',
      hint: 'Narrow the search with a category or a filter.',
    },
    'zh-CN': { message: '最多只能翻到前 500 条结果。', hint: '请用类目或过滤条件缩小范围。' },
  },
  InvalidNumParameter: {
    'en-US': { message: 'The number of results is invalid.', hint: 'Use 1 to 100.' },
    'zh-CN': { message: '结果数量无效。', hint: '请使用 1 到 100。' },
  },
  UnsupportedPicFormat: {
    'en-US': {
      message: 'This image format is not supported.',
      hint: 'Use JPEG, PNG, BMP, GIF, WebP, TIFF or PPM.',
    },
    'zh-CN': {
      message: '不支持此图片格式。',
      hint: '请使用 JPEG、PNG、BMP、GIF、WebP、TIFF 或 PPM。',
    },
  },
  UnsupportedPicPixels: {
    'en-US': {
      message: 'The image is too small or too large.',
      hint: 'Each side must be within the service type’s bounds (100–4096 px for products).',
    },
    'zh-CN': {
      message: '图片尺寸过小或过大。',
      hint: '每边须在服务类型的范围内(商品为 100–4096 像素)。',
    },
  },
  InstanceOverQuota: {
    'en-US': { message: 'The instance is full.', hint: 'Delete images or raise the capacity.' },
    'zh-CN': { message: '实例图片数量已达上限。', hint: '请删除图片或提高容量。' },
  },
  NoPermission: {
    'en-US': {
      message: 'This AccessKey may not perform the operation.',
      hint: 'Grant the RAM user the Image Search permissions (AliyunImageSearchFullAccess).',
    },
    'zh-CN': {
      message: '此 AccessKey 无权执行该操作。',
      hint: '请为 RAM 用户授予图像搜索权限(AliyunImageSearchFullAccess)。',
    },
  },
  DeniedRequest: {
    'en-US': {
      message: 'The instance’s QPS limit was exceeded.',
      hint: 'Wait a moment; bulk jobs slow down automatically.',
    },
    'zh-CN': { message: '超过了实例的 QPS 限制。', hint: '请稍候;批量任务会自动降速。' },
  },
  'InvalidAccessKeyId.NotFound': {
    'en-US': {
      message: 'The AccessKey ID does not exist.',
      hint: 'Check the AccessKey ID in the profile.',
    },
    'zh-CN': { message: 'AccessKey ID 不存在。', hint: '请检查配置中的 AccessKey ID。' },
  },
  SignatureDoesNotMatch: {
    'en-US': {
      message: 'The AccessKey secret is wrong.',
      hint: 'Enter the secret again in the profile.',
    },
    'zh-CN': { message: 'AccessKey Secret 不正确。', hint: '请在配置中重新输入密钥。' },
  },
  MissingSecret: {
    'en-US': {
      message: 'The profile has no AccessKey secret.',
      hint: 'Edit the profile and enter the secret.',
    },
    'zh-CN': { message: '此配置没有 AccessKey Secret。', hint: '请编辑配置并输入密钥。' },
  },
  NetworkError: {
    'en-US': {
      message: 'The engine could not be reached.',
      hint: 'Check the network, the region or the endpoint.',
    },
    'zh-CN': { message: '无法连接到引擎。', hint: '请检查网络、地域或接入点。' },
  },
  Timeout: {
    'en-US': {
      message: 'The engine did not answer in time.',
      hint: 'Try again; check the network.',
    },
    'zh-CN': { message: '引擎未及时响应。', hint: '请重试并检查网络。' },
  },
  HostUnreachable: {
    'en-US': {
      message: 'The Loupe host cannot be reached.',
      hint: 'Is `loupe serve` still running?',
    },
    'zh-CN': { message: '无法连接 Loupe 主机。', hint: '`loupe serve` 是否仍在运行?' },
  },
  CoreRestarted: {
    'en-US': {
      message: 'Loupe’s engine stopped while this was running.',
      hint: 'It restarts by itself: try again in a moment.',
    },
    'zh-CN': { message: '执行期间 Loupe 引擎已停止。', hint: '引擎会自动重新启动,请稍后重试。' },
  },
  CoreUnavailable: {
    'en-US': {
      message: 'Loupe’s engine is not running.',
      hint: 'Quit Loupe and open it again; the log says why it stopped.',
    },
    'zh-CN': {
      message: 'Loupe 引擎未在运行。',
      hint: '请退出并重新打开 Loupe;日志中有停止的原因。',
    },
  },
  ProfileExists: {
    'en-US': { message: 'A profile with this name already exists.', hint: 'Choose another name.' },
    'zh-CN': { message: '已存在同名配置。', hint: '请换一个名称。' },
  },
  InvalidRegion: {
    'en-US': {
      message: 'The region is not inside the picture.',
      hint: 'Draw the region again, or clear it to let the engine find the subject.',
    },
    'zh-CN': {
      message: '区域不在图片范围内。',
      hint: '请重新绘制区域,或清除区域让引擎自动识别主体。',
    },
  },
  InvalidStartParameter: {
    'en-US': { message: 'The result offset is invalid.', hint: 'Start a new search.' },
    'zh-CN': { message: '结果起始位置无效。', hint: '请重新搜索。' },
  },
  InvalidCategory: {
    'en-US': { message: 'This category does not exist.', hint: 'Choose one from the list.' },
    'zh-CN': { message: '此类目不存在。', hint: '请从列表中选择。' },
  },
  EmptyImage: {
    'en-US': { message: 'The picture is empty (0 bytes).', hint: 'Choose the file again.' },
    'zh-CN': { message: '图片为空(0 字节)。', hint: '请重新选择文件。' },
  },
  ImageUnreadable: {
    'en-US': {
      message: 'The picture could not be read.',
      hint: 'Check that the file exists and is a complete picture.',
    },
    'zh-CN': { message: '无法读取图片。', hint: '请确认文件存在且是完整的图片。' },
  },
  UnsupportedOperationType: {
    'en-US': {
      message: 'This engine does not support the operation.',
      hint: 'Search by text needs the cloud engine.',
    },
    'zh-CN': { message: '此引擎不支持该操作。', hint: '按文本搜索需要云端引擎。' },
  },
  InvalidResponse: {
    'en-US': {
      message: 'The answer did not match what Loupe expects.',
      hint: 'Update Loupe, or report the request ID.',
    },
    'zh-CN': { message: '返回结果与 Loupe 预期不符。', hint: '请更新 Loupe,或报告请求 ID。' },
  },
  InternalError: {
    'en-US': {
      message: 'Something went wrong inside Loupe or the engine.',
      hint: 'Try again; the log file has the details.',
    },
    'zh-CN': { message: 'Loupe 或引擎内部出错。', hint: '请重试;日志文件中有详细信息。' },
  },
  InvalidArgument: {
    'en-US': { message: 'A value is invalid.' },
    'zh-CN': { message: '某个值无效。' },
  },
  // batch tasks and OSS
  InvalidPicName: {
    'en-US': {
      message: 'A picture path leaves the batch folder.',
      hint: 'PicName must be relative to the folder holding increment.meta: no "..", no leading "/", no drive letter.',
    },
    'zh-CN': {
      message: '图片路径超出了批量文件夹。',
      hint: 'PicName 必须相对于 increment.meta 所在文件夹:不能含 ".."、开头的 "/" 或盘符。',
    },
  },
  DuplicatePicName: {
    'en-US': {
      message: 'Two pictures have the same PicName.',
      hint: 'A batch folder holds one file per PicName: rename one of them.',
    },
    'zh-CN': {
      message: '两张图片的 PicName 相同。',
      hint: '批量文件夹中每个 PicName 只能对应一个文件,请重命名其中一张。',
    },
  },
  NothingToSend: {
    'en-US': {
      message: 'No line of the batch could be sent.',
      hint: 'See the lines set apart and their reasons.',
    },
    'zh-CN': { message: '批量任务中没有可发送的行。', hint: '请查看被剔除的行及原因。' },
  },
  InvalidBucketName: {
    'en-US': {
      message: 'The bucket name is invalid.',
      hint: '3-63 lowercase letters, digits and "-".',
    },
    'zh-CN': { message: 'Bucket 名称无效。', hint: '3-63 个小写字母、数字或 "-"。' },
  },
  NoSuchBucket: {
    'en-US': {
      message: 'The OSS bucket does not exist.',
      hint: 'Create it in the same region as the Image Search instance.',
    },
    'zh-CN': { message: 'OSS Bucket 不存在。', hint: '请在与图像搜索实例相同的地域创建。' },
  },
  AccessDenied: {
    'en-US': {
      message: 'OSS refused access to the bucket.',
      hint: 'The AccessKey needs oss:PutObject (and multipart upload) on the bucket.',
    },
    'zh-CN': {
      message: 'OSS 拒绝访问该 Bucket。',
      hint: 'AccessKey 需要该 Bucket 的 oss:PutObject(及分片上传)权限。',
    },
  },
  InvalidAccessKeyId: {
    'en-US': {
      message: 'The AccessKey id is unknown.',
      hint: 'Check the AccessKey id in the profile.',
    },
    'zh-CN': { message: 'AccessKey ID 不存在。', hint: '请检查连接配置中的 AccessKey ID。' },
  },
  RequestTimeTooSkewed: {
    'en-US': {
      message: 'The computer’s clock is wrong.',
      hint: 'Set the date and time right (within 15 minutes).',
    },
    'zh-CN': { message: '电脑时钟不准确。', hint: '请校准日期和时间(误差须在 15 分钟内)。' },
  },
  OssNetworkError: {
    'en-US': {
      message: 'OSS cannot be reached.',
      hint: 'Check the network and the OSS endpoint; the task resumes where it stopped.',
    },
    'zh-CN': { message: '无法连接 OSS。', hint: '请检查网络和 OSS Endpoint;任务会从中断处继续。' },
  },
  MissingRegion: {
    'en-US': {
      message: 'The profile has no region.',
      hint: 'Set the region in the profile, or give the OSS endpoint.',
    },
    'zh-CN': {
      message: '连接配置缺少地域。',
      hint: '请在连接配置中设置地域,或填写 OSS Endpoint。',
    },
  },
  TaskRunning: {
    'en-US': {
      message: 'The engine is already running this task.',
      hint: 'A submitted batch task cannot be stopped.',
    },
    'zh-CN': { message: '引擎已在运行该任务。', hint: '已提交的批量任务无法停止。' },
  },
  TaskNotFound: {
    'en-US': {
      message: 'The engine does not list this batch task.',
      hint: 'Check the bucket and path, or create the task again.',
    },
    'zh-CN': { message: '引擎中找不到该批量任务。', hint: '请检查 Bucket 和路径,或重新创建任务。' },
  },
  NoPictureCopy: {
    'en-US': {
      message: 'Loupe has no copy of this picture.',
      hint: 'Loupe keeps a copy of the pictures added through it. Compare with the picture file instead (Compare two pictures).',
    },
    'zh-CN': {
      message: 'Loupe 没有这张图片的副本。',
      hint: 'Loupe 只保留通过它添加的图片的副本。请改用图片文件进行比对(“比对两张图片”)。',
    },
  },
  // secrets (Settings → Security)
  InsecureSecretStore: {
    'en-US': {
      message: 'No system keyring was found: AccessKey secrets would be stored in plain text.',
      hint: 'Install GNOME Keyring or KWallet and restart Loupe, or accept the risk in Settings → Security.',
    },
    'zh-CN': {
      message: '未找到系统密钥环:AccessKey 密钥将以明文保存。',
      hint: '请安装 GNOME Keyring 或 KWallet 并重启 Loupe,或在“设置 → 安全”中接受风险。',
    },
  },
  SecretStoreUnavailable: {
    'en-US': {
      message: 'The system keychain is not available.',
      hint: 'Unlock or install a keyring (GNOME Keyring, KWallet), then restart Loupe.',
    },
    'zh-CN': {
      message: '系统钥匙串不可用。',
      hint: '请解锁或安装密钥环(GNOME Keyring、KWallet),然后重启 Loupe。',
    },
  },
  NoPlainTextChoice: {
    'en-US': {
      message: 'This secret store has no plain-text fallback to accept or revoke.',
      hint: 'Only the desktop app on Linux without a keyring offers this choice.',
    },
    'zh-CN': {
      message: '此密钥存储没有可接受或撤销的明文方式。',
      hint: '只有在没有密钥环的 Linux 上,桌面应用才提供此选项。',
    },
  },
  // watched folders
  FolderNotFound: {
    'en-US': {
      message: 'The folder does not exist.',
      hint: 'Give the full path of an existing folder (reconnect the drive if it is on one).',
    },
    'zh-CN': {
      message: '文件夹不存在。',
      hint: '请填写现有文件夹的完整路径(如在外接磁盘上,请重新连接)。',
    },
  },
  RuleExists: {
    'en-US': {
      message: 'This folder is already watched for this profile.',
      hint: 'Edit the existing rule instead.',
    },
    'zh-CN': { message: '该文件夹已为此配置监视。', hint: '请编辑已有的规则。' },
  },
  RuleNotFound: {
    'en-US': { message: 'The watch rule no longer exists.', hint: 'Refresh the Folders view.' },
    'zh-CN': { message: '监视规则已不存在。', hint: '请刷新“文件夹”视图。' },
  },
  InvalidGlob: {
    'en-US': {
      message: 'An include or exclude pattern is invalid.',
      hint: 'Example: **/*.jpg or drafts/**',
    },
    'zh-CN': { message: '包含或排除模式无效。', hint: '示例:**/*.jpg 或 drafts/**' },
  },
  NamingRuleMismatch: {
    'en-US': {
      message: 'The naming rule cannot name this picture.',
      hint: 'Change the naming rule, or the file name.',
    },
    'zh-CN': { message: '命名规则无法为此图片命名。', hint: '请修改命名规则或文件名。' },
  },
}

/** Errors whose remedy is a place in Settings: the error display links to it. */
export const SETTINGS_LINKS: Record<string, string> = {
  InsecureSecretStore: 'security',
  SecretStoreUnavailable: 'security',
}

export function explain(code: string, locale: Locale): Explanation | null {
  return TABLE[code]?.[locale] ?? null
}
