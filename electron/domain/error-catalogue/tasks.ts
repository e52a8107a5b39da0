import { entry } from './entry'

/** Batch tasks (the folder, its increment.meta, the OSS upload) and metadata exports. */
export const TASK_ERRORS = {
  InvalidPicName: entry(
    400,
    'invalid',
    [
      'A picture path leaves the batch folder.',
      'PicName must be relative to the folder holding increment.meta: no "..", no leading "/", no drive letter.',
    ],
    [
      '图片路径超出了批量文件夹。',
      'PicName 必须相对于 increment.meta 所在文件夹:不能含 ".."、开头的 "/" 或盘符。',
    ],
  ),
  DuplicatePicName: entry(
    400,
    'invalid',
    [
      'Two pictures have the same PicName.',
      'A batch folder holds one file per PicName: rename one of them.',
    ],
    ['两张图片的 PicName 相同。', '批量文件夹中每个 PicName 只能对应一个文件,请重命名其中一张。'],
  ),
  NothingToSend: entry(
    400,
    'invalid',
    ['No line of the batch could be sent.', 'See the lines set apart and their reasons.'],
    ['批量任务中没有可发送的行。', '请查看被剔除的行及原因。'],
  ),
  MissingRegion: entry(
    400,
    'invalid',
    ['The profile has no region.', 'Set the region in the profile, or give the OSS endpoint.'],
    ['连接配置缺少地域。', '请在连接配置中设置地域,或填写 OSS Endpoint。'],
  ),
  TaskRunning: entry(
    400,
    'invalid',
    ['The engine is already running this task.', 'A submitted batch task cannot be stopped.'],
    ['引擎已在运行该任务。', '已提交的批量任务无法停止。'],
  ),
  TaskNotFound: entry(
    400,
    'invalid',
    [
      'The engine does not list this batch task.',
      'Check the bucket and path, or create the task again.',
    ],
    ['引擎中找不到该批量任务。', '请检查 Bucket 和路径,或重新创建任务。'],
  ),
  NotFound: entry(
    404,
    'invalid',
    ['This no longer exists.', 'Refresh the list.'],
    ['该项已不存在。', '请刷新列表。'],
  ),
  TaskFailed: entry(
    400,
    'invalid',
    [
      'The engine reports that the batch task failed.',
      'The message says why; fix it and run the task again.',
    ],
    ['引擎报告批量任务失败。', '消息中说明了原因;请修正后重新运行任务。'],
  ),
  BatchOutcomeUnknown: entry(
    502,
    'transient',
    [
      'The batch task ended, but whether this line was added is not known.',
      'The engine’s error file could not be read. Sending it again is safe: the same ProductId and PicName are overwritten, never doubled.',
    ],
    [
      '批量任务已结束,但不清楚此行是否已添加。',
      '无法读取引擎的错误文件。可以放心重新发送:相同的 ProductId 和 PicName 会被覆盖,不会重复。',
    ],
  ),
  BatchTaskCancelled: entry(
    400,
    'invalid',
    [
      'The batch task carrying this picture was cancelled.',
      'Retry the failed items to send it again.',
    ],
    ['承载此图片的批量任务已取消。', '重试失败的项目即可重新发送。'],
  ),
  Failed: entry(
    400,
    'invalid',
    [
      'The engine could not add this line.',
      'The engine’s error file gives no code; see the message.',
    ],
    ['引擎无法添加此行。', '引擎的错误文件未给出错误码;请查看消息。'],
  ),
  // OSS, as ali-oss reports it
  InvalidBucketName: entry(
    400,
    'invalid',
    ['The bucket name is invalid.', '3-63 lowercase letters, digits and "-".'],
    ['Bucket 名称无效。', '3-63 个小写字母、数字或 "-"。'],
  ),
  NoSuchBucket: entry(
    404,
    'invalid',
    [
      'The OSS bucket does not exist.',
      'Create it in the same region as the Image Search instance.',
    ],
    ['OSS Bucket 不存在。', '请在与图像搜索实例相同的地域创建。'],
  ),
  AccessDenied: entry(
    403,
    'invalid',
    [
      'OSS refused access to the bucket.',
      'The AccessKey needs oss:PutObject (and multipart upload) on the bucket.',
    ],
    ['OSS 拒绝访问该 Bucket。', 'AccessKey 需要该 Bucket 的 oss:PutObject(及分片上传)权限。'],
  ),
  RequestTimeTooSkewed: entry(
    403,
    'invalid',
    ['The computer’s clock is wrong.', 'Set the date and time right (within 15 minutes).'],
    ['电脑时钟不准确。', '请校准日期和时间(误差须在 15 分钟内)。'],
  ),
  OssNetworkError: entry(
    502,
    'transient',
    [
      'OSS cannot be reached.',
      'Check the network and the OSS endpoint; the task resumes where it stopped.',
    ],
    ['无法连接 OSS。', '请检查网络和 OSS Endpoint;任务会从中断处继续。'],
  ),
  // metadata exports
  DumpNotReady: entry(
    400,
    'invalid',
    ['The export has no file to download yet.', 'Wait until the export has finished successfully.'],
    ['导出尚无可下载的文件。', '请等待导出成功完成。'],
  ),
  DumpUrlExpired: entry(
    400,
    'invalid',
    [
      'The export’s download link no longer works.',
      'Export links stop working 2 hours after the export finished: create a new export.',
    ],
    ['导出的下载链接已失效。', '导出链接在导出完成 2 小时后失效:请重新导出。'],
  ),
  DumpDownloadFailed: entry(
    400,
    'transient',
    ['The export file could not be downloaded.', 'Check the network connection and retry.'],
    ['无法下载导出文件。', '请检查网络连接后重试。'],
  ),
  DumpFileGone: entry(
    400,
    'invalid',
    [
      'The export file no longer exists.',
      'The engine keeps the files of its newest 30 exports only: create a new export.',
    ],
    ['导出文件已不存在。', '引擎只保留最近 30 次导出的文件:请重新导出。'],
  ),
} as const
