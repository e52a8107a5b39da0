import type { Engine, SearchResult } from '../../../../../electron/core/engines/types'

/**
 * An Engine that records the domain request of every call and answers with fixed domain results,
 * so the wire mapping (SDK -> wire -> domain, domain -> wire -> SDK) can be checked field for field.
 * The contract tests use the real local engine instead.
 */
export type Call = { op: string; req: unknown }

export const SEARCH: SearchResult = {
  requestId: 'engine-rid',
  auctions: [
    {
      productId: '商品-1',
      picName: `图 !'()*&=+/ 1.jpg`,
      categoryId: 3,
      customContent: 'k1:v1,颜色:红',
      score: 0.93,
      sortExprValues: '0.93;0',
      intAttr: 7,
      intAttr4: -2,
      strAttr: 'red',
      strAttr3: '蓝',
    },
    {
      productId: 'p2',
      picName: 'b.jpg',
      categoryId: 88888888,
      customContent: '',
      score: 0.5,
      sortExprValues: '0.5;0',
    },
  ],
  head: { docsFound: 42, docsReturn: 2, searchTime: 5 },
  picInfo: {
    categoryId: 3,
    region: '10,200,20,300',
    allCategories: [
      { id: 0, name: 'Tops' },
      { id: 88888888, name: 'Other' },
    ],
    multiRegion: ['10,200,20,300', '5,50,5,60'],
  },
}

export function recordingEngine(overrides: Partial<Record<keyof Engine, unknown>> = {}) {
  const calls: Call[] = []
  const rec =
    <T>(op: string, result: T) =>
    async (req?: unknown): Promise<T> => {
      calls.push({ op, req })
      const o = overrides[op as keyof Engine]
      if (o instanceof Error) throw o
      if (typeof o === 'function') return (o as (r: unknown) => T)(req)
      return (o as T) ?? result
    }
  const engine: Engine = {
    kind: 'local',
    addImage: rec('addImage', {
      requestId: 'r',
      picInfo: { categoryId: 3, region: '1,101,2,102' },
    }),
    updateImage: rec('updateImage', { requestId: 'r' }),
    deleteImage: rec('deleteImage', { requestId: 'r', picNames: ['a.jpg', '图.jpg'] }),
    checkImageExists: rec('checkImageExists', { requestId: 'r', exist: true }),
    searchImageByPic: rec('searchImageByPic', SEARCH),
    searchImageByName: rec('searchImageByName', SEARCH),
    searchImageByFilter: rec('searchImageByFilter', { ...SEARCH, picInfo: null }),
    searchImageByText: rec('searchImageByText', SEARCH),
    compareSimilarByImage: rec('compareSimilarByImage', { requestId: 'r', score: 0.77 }),
    detail: rec('detail', {
      requestId: 'r',
      instance: {
        name: 'demo',
        capacity: 100_000,
        totalCount: 12,
        qps: 5,
        region: 'local',
        serviceType: 'generic',
        utcCreate: 1_620_382_716_000,
        utcExpireTime: null,
      },
    }),
    dumpMeta: rec('dumpMeta', { requestId: 'r', dumpMetaStatus: 'PROCESSING' as const, id: 571 }),
    dumpMetaList: rec('dumpMetaList', {
      requestId: 'r',
      pageNumber: 1,
      pageSize: 20,
      totalCount: 1,
      dumpMetaList: [
        {
          id: 571,
          status: 'SUCCESS' as const,
          code: '0',
          message: 'success',
          metaUrl: 'http://127.0.0.1:1/meta/571.jsonl',
          utcCreate: 1_639_969_113_000,
          utcModified: 1_639_969_140_000,
        },
      ],
    }),
    increaseInstance: rec('increaseInstance', {
      requestId: 'r',
      incrementStatus: 'PROCESSING' as const,
      id: 1474,
    }),
    increaseList: rec('increaseList', {
      requestId: 'r',
      pageNumber: 2,
      pageSize: 1,
      totalCount: 3,
      increments: [
        {
          id: 1464,
          bucketName: 'local',
          path: '/public/x',
          status: 'FAIL' as const,
          code: 'NoIncrementMeta',
          message: 'no increment.meta file',
          errorUrl: null,
          callbackAddress: null,
          utcCreate: 1_639_107_872_000,
          utcModified: 1_639_125_540_000,
        },
      ],
    }),
    close: async () => {},
  }
  return { engine, calls }
}
