/** Keyboard access: the skip link and the hints about keys. */
export default {
  'en-US': {
    keys: {
      skipToContent: 'Skip to content',
    },
  },
  'zh-CN': {
    keys: {
      skipToContent: '跳到主要内容',
    },
  },
}
