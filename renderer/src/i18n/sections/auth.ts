/** Messages of the sign-in screen and the session entries of the header (remote mode). */
const en = {
  auth: {
    title: 'Sign in to Loupe',
    intro:
      'This Loupe is shared over the network. Enter the access token you were given to continue.',
    token: 'Access token',
    placeholder: 'loupe_…',
    submit: 'Sign in',
    signingIn: 'Signing in…',
    help: 'Whoever runs the server creates tokens with {command} (add {readOnly} for a token that can only search and browse).',
    empty: 'Paste an access token first.',
    signOut: 'Sign out',
    readOnly: 'Read-only',
    readOnlyHint:
      'You are signed in with a read-only access token: you can search and browse, but not add, change or delete.',
    ended:
      'Your session ended: it was signed out, unused for too long, or its access token was revoked. Sign in again to continue.',
  },
}

const zh: typeof en = {
  auth: {
    title: '登录 Loupe',
    intro: '此 Loupe 通过网络共享。请输入您获得的访问令牌以继续。',
    token: '访问令牌',
    placeholder: 'loupe_…',
    submit: '登录',
    signingIn: '正在登录…',
    help: '服务器管理员可用 {command} 创建令牌(加上 {readOnly} 则令牌只能搜索和浏览)。',
    empty: '请先粘贴访问令牌。',
    signOut: '退出登录',
    readOnly: '只读',
    readOnlyHint: '您使用只读访问令牌登录:可以搜索和浏览,但不能添加、修改或删除。',
    ended: '您的会话已结束:已退出登录、长时间未使用,或其访问令牌已被撤销。请重新登录以继续。',
  },
}

export default { 'en-US': en, 'zh-CN': zh }
