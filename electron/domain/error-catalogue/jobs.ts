import { entry } from './entry'

/** The job queue, bulk add's planning and items, and watched folders. */
export const JOB_ERRORS = {
  JobsBusy: entry(
    409,
    'invalid',
    [
      'Another Loupe process is running the jobs of this data folder.',
      'Close the other Loupe (app, server or CLI) first.',
    ],
    ['另一个 Loupe 进程正在运行此数据文件夹的任务。', '请先关闭另一个 Loupe(应用、服务或命令行)。'],
  ),
  JobNotFound: entry(404, 'invalid', ['This job no longer exists.'], ['此任务已不存在。']),
  JobRunning: entry(
    409,
    'invalid',
    ['The job is running.', 'Pause or cancel it first.'],
    ['任务正在运行。', '请先暂停或取消。'],
  ),
  JobCancelled: entry(
    409,
    'invalid',
    ['The job was cancelled.', 'Start the bulk add again.'],
    ['任务已取消。', '请重新开始批量添加。'],
  ),
  JobNotCancelled: entry(
    409,
    'invalid',
    [
      'Only a cancelled bulk add has pictures left to add as a new job.',
      'Resume or retry this job instead.',
    ],
    ['只有已取消的批量添加才有剩余图片可作为新任务添加。', '请改为继续或重试此任务。'],
  ),
  NothingRemaining: entry(
    409,
    'invalid',
    ['Every picture of this job was already sent.', 'Nothing is left to add.'],
    ['此任务的所有图片都已发送。', '没有剩余的图片需要添加。'],
  ),
  PlanNotFound: entry(
    404,
    'invalid',
    ['This preview is no longer available.', 'Preview again.'],
    ['此预览已不可用。', '请重新预览。'],
  ),
  PlanNotReady: entry(
    400,
    'invalid',
    ['The preview did not finish.', 'Preview again.'],
    ['预览未完成。', '请重新预览。'],
  ),
  Interrupted: entry(
    400,
    'invalid',
    [
      'Loupe stopped while the job was being prepared.',
      'Start the same bulk add again to add the rest, or resume to run what is there.',
    ],
    ['Loupe 在准备任务时停止了。', '再次开始相同的批量添加以添加其余部分,或继续运行已有部分。'],
  ),
  StageNotFound: entry(
    404,
    'invalid',
    ['The uploaded files are gone.', 'Drop them again.'],
    ['已上传的文件不存在了。', '请重新拖放。'],
  ),
  NoPictures: entry(
    400,
    'invalid',
    ['No pictures were found in what was dropped.'],
    ['拖入的内容中没有找到图片。'],
  ),
  InvalidNamingRule: entry(
    400,
    'invalid',
    [
      'The naming rule is invalid.',
      'Use Folder, File, or a template with a {product} placeholder.',
    ],
    ['命名规则无效。', '请使用“文件夹”“文件”,或包含 {product} 占位符的模板。'],
  ),
  NamingRuleMismatch: entry(
    400,
    'invalid',
    [
      'The naming rule does not apply to this path.',
      'Adjust the rule; the preview of the first files shows what it gives.',
    ],
    ['命名规则不适用于此路径。', '请调整规则;前几个文件的预览会显示结果。'],
  ),
  InvalidManifestLine: entry(
    400,
    'invalid',
    ['A line of the manifest is invalid.', 'Fix the line named in the message.'],
    ['清单中的某一行无效。', '请修正消息中指出的行。'],
  ),
  InvalidManifest: entry(
    400,
    'invalid',
    ['The manifest cannot be used.', 'Check its header row.'],
    ['无法使用该清单。', '请检查其标题行。'],
  ),
  ManifestUnreadable: entry(400, 'invalid', ['The manifest cannot be read.'], ['无法读取清单。']),
  DuplicateImage: entry(
    400,
    'invalid',
    [
      'The same picture is already in the gallery under another id.',
      'Choose “Add anyway” to add it under its own id too.',
    ],
    ['图库中已有相同的图片(使用其他 ID)。', '选择“仍然添加”可用其自己的 ID 再添加一次。'],
  ),
  DuplicateKey: entry(
    400,
    'invalid',
    [
      'Another file gives the same productId and picName.',
      'Change the naming rule so that every picture gets its own ids.',
    ],
    ['另一个文件得到相同的 productId 和 picName。', '请修改命名规则,使每张图片有各自的 ID。'],
  ),
  Unchanged: entry(
    400,
    'invalid',
    ['Already in the gallery with the same id and the same picture.'],
    ['图库中已有相同 ID 和相同图片。'],
  ),
  SkippedByUser: entry(400, 'invalid', ['Skipped in the preview.'], ['在预览中已跳过。']),
  Skipped: entry(400, 'invalid', ['Skipped while planning.'], ['规划时已跳过。']),
  Rejected: entry(400, 'invalid', ['Refused while planning.'], ['规划时被拒绝。']),
  JobLost: entry(
    400,
    'invalid',
    [
      'The job that was sending this picture no longer exists.',
      'The next scan sends the picture again.',
    ],
    ['发送此图片的任务已不存在。', '下一次扫描会重新发送此图片。'],
  ),
  // watched folders
  FolderNotFound: entry(
    400,
    'invalid',
    [
      'The folder does not exist.',
      'Give the full path of an existing folder (reconnect the drive if it is on one).',
    ],
    ['文件夹不存在。', '请填写现有文件夹的完整路径(如在外接磁盘上,请重新连接)。'],
  ),
  RuleExists: entry(
    409,
    'invalid',
    ['This folder is already watched for this profile.', 'Edit the existing rule instead.'],
    ['该文件夹已为此配置监视。', '请编辑已有的规则。'],
  ),
  RuleNotFound: entry(
    404,
    'invalid',
    ['The watch rule no longer exists.', 'Refresh the Folders view.'],
    ['监视规则已不存在。', '请刷新“文件夹”视图。'],
  ),
  WatchFileUnreadable: entry(
    400,
    'invalid',
    [
      'Loupe cannot read this file (its permissions, a broken link or a link loop).',
      'Let the user Loupe runs as read it (e.g. chmod a+r). Loupe tries again every minute or so, or at once with Rescan now.',
    ],
    [
      'Loupe 无法读取此文件(权限不足、链接失效或链接循环)。',
      '请让运行 Loupe 的用户可以读取它(例如 chmod a+r)。Loupe 约每分钟重试一次,也可点击“立即重新扫描”。',
    ],
  ),
  WatchFolderUnreadable: entry(
    400,
    'invalid',
    [
      'Loupe cannot open this folder: the pictures in it are not watched.',
      'Let the user Loupe runs as read and enter it (e.g. chmod a+rx). Loupe tries again every minute or so, or at once with Rescan now; nothing in it is removed from the gallery meanwhile.',
    ],
    [
      'Loupe 无法打开此文件夹:其中的图片未被监视。',
      '请让运行 Loupe 的用户可以读取并进入它(例如 chmod a+rx)。Loupe 约每分钟重试一次,也可点击“立即重新扫描”;在此期间不会从图库删除其中的图片。',
    ],
  ),
  WatchLinkOutside: entry(
    400,
    'invalid',
    [
      'This link points outside the watched folder: it is not followed.',
      'To take it, turn on “Follow links that leave the folder” in the rule.',
    ],
    [
      '此链接指向被监视文件夹之外:不会跟随。',
      '如需收录,请在规则中开启“跟随指向文件夹之外的链接”。',
    ],
  ),
  WatchRulePaused: entry(
    409,
    'invalid',
    ['The watch rule is paused.', 'Resume it first.'],
    ['监视规则已暂停。', '请先继续该规则。'],
  ),
  InvalidGlob: entry(
    400,
    'invalid',
    ['An include or exclude pattern is invalid.', 'Example: **/*.jpg or drafts/**'],
    ['包含或排除模式无效。', '示例:**/*.jpg 或 drafts/**'],
  ),
} as const
