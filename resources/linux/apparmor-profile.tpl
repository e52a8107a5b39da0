# AppArmor profile for Loupe, installed by the .deb as /etc/apparmor.d/${executable} (Ubuntu 24.04+).
#
# Ubuntu 24.04 restricts unprivileged user namespaces (kernel.apparmor_restrict_unprivileged_userns=1),
# and Chromium's sandbox, which Electron uses, needs one. This profile confines nothing
# (flags=(unconfined)); it only names the Loupe binary and grants it `userns`, as Ubuntu documents
# for applications that use user namespaces. electron-builder fills in ${executable} and
# ${sanitizedProductName} (loupe, /opt/Loupe/loupe).
abi <abi/4.0>,
include <tunables/global>

profile ${executable} "/opt/${sanitizedProductName}/${executable}" flags=(unconfined) {
  userns,

  # Site-specific additions and overrides. See local/README for details.
  include if exists <local/${executable}>
}
