import { entry } from './entry'

/** The near-duplicate audit and its review actions (core/duplicates). */
export const DUPLICATE_ERRORS = {
  DuplicateGroupNotFound: entry(
    404,
    'invalid',
    [
      'This group of near-duplicates is not in the last audit any more.',
      'Show the groups again: the gallery or the audit changed since.',
    ],
    ['最近一次近似重复检查中已没有这一组。', '请重新显示分组:图库或检查结果已经变化。'],
  ),
  DuplicateAuditNeedsVectors: entry(
    400,
    'invalid',
    [
      "The profile's engine keeps no picture vectors to compare.",
      'Audit a local profile, or a cloud profile from its gallery cache.',
    ],
    [
      '该连接配置的引擎没有保存可比较的图片向量。',
      '请检查本地连接配置,或从图库缓存检查云端连接配置。',
    ],
  ),
  DuplicateAuditTooManyPairs: entry(
    400,
    'invalid',
    [
      'Too many pairs of pictures are this similar for a useful review.',
      'Audit again with a higher threshold.',
    ],
    ['相似度达到该阈值的图片对太多,无法逐一审阅。', '请用更高的阈值重新检查。'],
  ),
  DuplicateMoveNeedsPicture: entry(
    400,
    'invalid',
    [
      'The picture cannot move to another product id: Loupe has neither its unchanged source file nor a stored copy.',
      'Add the picture under the product id you want from its file, then delete this one.',
    ],
    [
      '无法将图片移到其他商品 ID:Loupe 既没有未改动的源文件,也没有保存的副本。',
      '请从文件以目标商品 ID 重新添加该图片,再删除这一张。',
    ],
  ),
  DuplicateMoveNameTaken: entry(
    409,
    'invalid',
    [
      'The target product already has a picture of this name.',
      'Rename or delete that picture first, then move again.',
    ],
    ['目标商品已有同名图片。', '请先重命名或删除那张图片,再移动。'],
  ),
} as const
