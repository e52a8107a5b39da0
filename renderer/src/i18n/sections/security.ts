/** Messages of Settings → Security (where AccessKey secrets are kept, the plain-text choice). */
const en = {
  security: {
    title: 'Security',
    protectedBy: 'AccessKey secrets are protected by',
    stored: 'Stored secrets',
    storedCount: 'none | 1 secret | {n} secrets',
    storedIn: 'in {file}',
    secure: 'Protected',
    privateFile: 'Private to your account',
    notSecure: 'Not protected',
    unusable: 'Refused',
    backends: {
      keychain: 'macOS Keychain',
      dpapi: 'Windows Data Protection (DPAPI)',
      gnome_libsecret: 'GNOME Keyring (Secret Service)',
      kwallet: 'KDE Wallet (KWallet)',
      kwallet5: 'KDE Wallet 5 (KWallet)',
      kwallet6: 'KDE Wallet 6 (KWallet)',
      basic_text: 'No keyring: plain text with a hard-coded key',
      unknown: 'Not known yet',
      file: 'A file only your user account can read',
      memory: 'Memory only (nothing is written to disk)',
    },
    explain: {
      keyring:
        'Your AccessKey secrets are encrypted with a key kept by the system keychain. Other users of this computer, and anyone who copies the data folder, cannot read them.',
      file: 'The headless host keeps AccessKey secrets in a file only your user account can read (mode 0600). They are not encrypted: anyone who can use your account, or read a backup of that file, can read them.',
      fileOpen:
        'The secrets file can be read by other users of this computer. Make it private: chmod 600 {file}',
      memory: 'AccessKey secrets are kept in memory only and forgotten when Loupe stops.',
      unavailable:
        'The system keychain is not available, so Loupe cannot save AccessKey secrets. Unlock your keyring, or install GNOME Keyring or KWallet, then restart Loupe.',
      migrating:
        '{n} secret was saved in plain text before a keyring was available; Loupe re-encrypts it with the keyring the next time it uses it. | {n} secrets were saved in plain text before a keyring was available; Loupe re-encrypts each with the keyring the next time it uses it.',
    },
    plain: {
      title: 'No system keyring was found',
      risk: 'Loupe can still save your AccessKey secrets, but only encrypted with a key that is hard-coded in Electron and the same on every computer. That is no protection: anyone who can read your files (another program, a backup, a lost disk) can read your AccessKeys, and use your Alibaba Cloud Image Search instance at your expense.',
      better:
        'Better: install GNOME Keyring (package gnome-keyring) or KWallet, then restart Loupe. If one is installed but not found (an unusual desktop), start Loupe with --password-store=gnome-libsecret (or kwallet5, kwallet6).',
      refused:
        'Until you decide, Loupe refuses to save AccessKey secrets, and cloud profiles cannot connect.',
      accepted: 'You accepted this risk on {date}. Secrets stored in plain text: {count}.',
      revokedAt: 'You revoked it on {date}: Loupe refuses to save AccessKey secrets.',
      accept: 'Accept the risk…',
      revoke: 'Revoke…',
      acceptTitle: 'Store AccessKey secrets in plain text?',
      acceptBody:
        'Anyone who can read {file} will be able to read your AccessKey secrets. You can revoke this here at any time.',
      acceptOk: 'Accept the risk',
      revokeTitle: 'Stop storing secrets in plain text?',
      revokeBody:
        'The secrets saved in plain text ({count}) are deleted from this computer. Cloud profiles that use them will ask for their AccessKey secret again: you can save it once a keyring is installed, or after accepting again.',
      revokeOk: 'Revoke and delete',
      done: 'Saved',
    },
    open: 'Open Settings → Security',
  },
}

const zh: typeof en = {
  security: {
    title: '安全',
    protectedBy: 'AccessKey 密钥的保护方式',
    stored: '已保存的密钥',
    storedCount: '无 | 1 个密钥 | {n} 个密钥',
    storedIn: '位于 {file}',
    secure: '受保护',
    privateFile: '仅限您的账户',
    notSecure: '未受保护',
    unusable: '已拒绝',
    backends: {
      keychain: 'macOS 钥匙串',
      dpapi: 'Windows 数据保护 (DPAPI)',
      gnome_libsecret: 'GNOME 密钥环 (Secret Service)',
      kwallet: 'KDE 钱包 (KWallet)',
      kwallet5: 'KDE 钱包 5 (KWallet)',
      kwallet6: 'KDE 钱包 6 (KWallet)',
      basic_text: '无密钥环:使用硬编码密钥的明文',
      unknown: '暂不可知',
      file: '仅您的用户账户可读的文件',
      memory: '仅在内存中(不写入磁盘)',
    },
    explain: {
      keyring:
        '您的 AccessKey 密钥使用系统钥匙串保管的密钥加密。本机的其他用户以及复制数据文件夹的人都无法读取。',
      file: '无界面主机把 AccessKey 密钥保存在仅您的用户账户可读的文件中(权限 0600)。这些密钥未加密:能使用您账户的人,或能读取该文件备份的人,都可以读取。',
      fileOpen: '本机其他用户可以读取该密钥文件。请将其设为私有:chmod 600 {file}',
      memory: 'AccessKey 密钥仅保存在内存中,Loupe 退出后即被遗忘。',
      unavailable:
        '系统钥匙串不可用,Loupe 无法保存 AccessKey 密钥。请解锁密钥环,或安装 GNOME Keyring 或 KWallet,然后重启 Loupe。',
      migrating:
        '有 {n} 个密钥是在密钥环可用之前以明文保存的;Loupe 下次使用时会用密钥环重新加密。 | 有 {n} 个密钥是在密钥环可用之前以明文保存的;Loupe 下次使用每个密钥时会用密钥环重新加密。',
    },
    plain: {
      title: '未找到系统密钥环',
      risk: 'Loupe 仍可保存您的 AccessKey 密钥,但只能用 Electron 中硬编码、在每台电脑上都相同的密钥加密。这等于没有保护:任何能读取您文件的人(其他程序、备份、丢失的磁盘)都能读取您的 AccessKey,并以您的费用使用您的阿里云图像搜索实例。',
      better:
        '更好的做法:安装 GNOME Keyring(软件包 gnome-keyring)或 KWallet,然后重启 Loupe。如果已安装却未被识别(不常见的桌面环境),请用 --password-store=gnome-libsecret(或 kwallet5、kwallet6)启动 Loupe。',
      refused: '在您做出决定之前,Loupe 拒绝保存 AccessKey 密钥,云端配置也无法连接。',
      accepted: '您已于 {date} 接受此风险。以明文保存的密钥:{count}。',
      revokedAt: '您已于 {date} 撤销:Loupe 拒绝保存 AccessKey 密钥。',
      accept: '接受风险…',
      revoke: '撤销…',
      acceptTitle: '以明文保存 AccessKey 密钥?',
      acceptBody: '任何能读取 {file} 的人都能读取您的 AccessKey 密钥。您可以随时在此撤销。',
      acceptOk: '接受风险',
      revokeTitle: '停止以明文保存密钥?',
      revokeBody:
        '以明文保存的密钥({count})将从本机删除。使用它们的云端配置会再次要求输入 AccessKey 密钥:安装密钥环后,或再次接受后,即可保存。',
      revokeOk: '撤销并删除',
      done: '已保存',
    },
    open: '打开“设置 → 安全”',
  },
}

export default { 'en-US': en, 'zh-CN': zh }
