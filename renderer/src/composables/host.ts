/**
 * What a component may know of the host it runs in, without reaching the bridge: whether it is
 * the desktop app (file manager, real paths) or a browser on the headless host, and where a
 * gallery thumbnail is served.
 */
export { isDesktop, thumbUrl } from '@renderer/bridge'
