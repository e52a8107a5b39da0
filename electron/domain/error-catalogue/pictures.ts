import { entry } from './entry'

/** Reading and preparing pictures (the imaging pipeline, both engines' checks). */
export const PICTURE_ERRORS = {
  EmptyImage: entry(
    400,
    'invalid',
    ['The picture is empty (0 bytes).', 'Choose the file again.'],
    ['图片为空(0 字节)。', '请重新选择文件。'],
  ),
  ImageUnreadable: entry(
    400,
    'invalid',
    ['The picture could not be read.', 'Check that the file exists and is a complete picture.'],
    ['无法读取图片。', '请确认文件存在且是完整的图片。'],
  ),
  CorruptImage: entry(
    400,
    'invalid',
    [
      'The picture is damaged or incomplete.',
      'Open it in an image editor and save it again, or copy it again from its source.',
    ],
    ['图片已损坏或不完整。', '请在图片编辑器中打开并重新保存,或从来源重新复制。'],
  ),
  ImageTooLarge: entry(
    400,
    'invalid',
    ['The picture is too large to read.', 'Reduce the picture in an image editor first.'],
    ['图片过大,无法读取。', '请先在图片编辑器中缩小图片。'],
  ),
  InvalidRegion: entry(
    400,
    'invalid',
    [
      'The region is not inside the picture.',
      'Draw the region again, or clear it to let the engine find the subject.',
    ],
    ['区域不在图片范围内。', '请重新绘制区域,或清除区域让引擎自动识别主体。'],
  ),
  // The cloud answers an unknown image with a bare BadRequest ("The request has invalid
  // parameters."), the local engine (same wire protocol) with BadRequest naming it: the core asks
  // the engine whether the image exists and reports this instead (core/images/unknown-image.ts).
  ImageNotFound: entry(
    404,
    'invalid',
    [
      'The instance has no picture “{picName}” of product “{productId}”.',
      'Check the product ID and the picture name (both must match exactly, including case and spaces; copy them from the Gallery or a search result), the active profile, or add the picture first.',
    ],
    [
      '实例中没有商品“{productId}”的图片“{picName}”。',
      '请检查商品 ID 和图片名称(须完全一致,包括大小写和空格;可从图库或搜索结果中复制)以及当前的连接配置,或先添加这张图片。',
    ],
  ),
  NoPictureCopy: entry(
    400,
    'invalid',
    [
      'Loupe has no copy of this picture.',
      'Loupe keeps a copy of the pictures added through it. Compare with the picture file instead (Compare two pictures).',
    ],
    [
      'Loupe 没有这张图片的副本。',
      'Loupe 只保留通过它添加的图片的副本。请改用图片文件进行比对(“比对两张图片”)。',
    ],
  ),
} as const

/** The gallery cache: browsing, exports, dump imports. */
export const GALLERY_ERRORS = {
  InvalidParameter: entry(
    400,
    'invalid',
    ['A value of the gallery query is invalid.', 'Check the search box and the filters.'],
    ['图库查询中的某个值无效。', '请检查搜索框和过滤条件。'],
  ),
  GalleryClosed: entry(
    400,
    'invalid',
    ['The gallery cache was closed.', 'Try again in a moment.'],
    ['图库缓存已关闭。', '请稍后重试。'],
  ),
  GallerySchemaTooNew: entry(
    400,
    'invalid',
    ['The gallery cache was written by a newer Loupe.', 'Update Loupe.'],
    ['图库缓存由更新版本的 Loupe 写入。', '请更新 Loupe。'],
  ),
  GallerySchemaOutdated: entry(
    400,
    'invalid',
    ['The gallery cache needs updating first.', 'Open the gallery once in Loupe to update it.'],
    ['图库缓存需要先更新。', '请在 Loupe 中打开一次图库以完成更新。'],
  ),
  InvalidDumpLine: entry(
    400,
    'invalid',
    ['A line of the export file is invalid.', 'Fix or remove the line named in the message.'],
    ['导出文件中的某一行无效。', '请修正或删除消息中指出的行。'],
  ),
  DumpReadFailed: entry(
    400,
    'invalid',
    ['The export file could not be read.', 'Check that the file exists and is complete.'],
    ['无法读取导出文件。', '请确认文件存在且完整。'],
  ),
  DumpImportFailed: entry(
    400,
    'invalid',
    ['Importing the export file failed; nothing was imported.', 'Try again; the log says why.'],
    ['导入导出文件失败,未导入任何内容。', '请重试;日志中有原因。'],
  ),
  Aborted: entry(
    400,
    'invalid',
    ['The operation was cancelled.', 'Nothing was changed.'],
    ['操作已取消。', '未做任何更改。'],
  ),
  OperationRunning: entry(
    400,
    'invalid',
    ['This operation is already running.', 'Wait for it to finish.'],
    ['此操作已在运行。', '请等待其完成。'],
  ),
  ExportTooLarge: entry(
    400,
    'invalid',
    ['Too many images to return as text.', 'Export to a file instead.'],
    ['图片过多,无法以文本形式返回。', '请改为导出到文件。'],
  ),
  ImageNotCached: entry(
    400,
    'invalid',
    ['This image is not in the gallery cache.', 'Refresh the gallery.'],
    ['此图片不在图库缓存中。', '请刷新图库。'],
  ),
  NoSourceFile: entry(
    400,
    'invalid',
    [
      'Loupe does not know the source file of this image.',
      'Only images added through Loupe from a file on this computer have one.',
    ],
    ['Loupe 不知道此图片的源文件。', '只有通过 Loupe 从本机文件添加的图片才有源文件。'],
  ),
  SourceFileMissing: entry(
    400,
    'invalid',
    ['The source file no longer exists.', 'It was moved or deleted after the image was added.'],
    ['源文件已不存在。', '图片添加后,该文件已被移动或删除。'],
  ),
  // Categories: the cloud cannot change one in place (UpdateImage), only by adding the picture again
  CategoryNeedsSourceFile: entry(
    400,
    'invalid',
    [
      'The cloud cannot change the category of this picture in place, and Loupe does not know its source file to add it again.',
      'Add the picture again from its file with the category you want.',
    ],
    [
      '云端无法直接修改此图片的类目,且 Loupe 不知道它的源文件,无法重新添加。',
      '请从图片文件重新添加,并选择所需类目。',
    ],
  ),
  CategorySourceFileMissing: entry(
    400,
    'invalid',
    [
      'The category was not changed: the cloud can only change it by adding the picture again, and its source file no longer exists.',
      'Add the picture again from wherever the file is now, with the category you want.',
    ],
    [
      '类目未修改:云端只能通过重新添加图片来修改类目,而其源文件已不存在。',
      '请从文件的新位置重新添加图片,并选择所需类目。',
    ],
  ),
  CategorySourceFileChanged: entry(
    400,
    'invalid',
    [
      'The category was not changed: the source file changed since the picture was added, so adding it again would index another picture.',
      'If the new file is what you want, add it again on purpose with the category you want.',
    ],
    [
      '类目未修改:图片添加后源文件已改变,重新添加会索引另一张图片。',
      '如果确实需要新文件,请有意地重新添加它,并选择所需类目。',
    ],
  ),
  PredictNeedsLocalEngine: entry(
    400,
    'invalid',
    [
      'Only the local engine predicts categories from your labelled pictures.',
      'The cloud predicts the category of each picture itself when it is added.',
    ],
    ['只有本地引擎会根据你标注的图片预测类目。', '云端在添加每张图片时自行预测其类目。'],
  ),
} as const
