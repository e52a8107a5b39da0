import { describe, expect, it } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { LoupeError } from '@api/errors'
import { getBridge } from '@renderer/bridge'
import { toUiError } from '@renderer/lib/errors'
import { i18n } from '@renderer/i18n'
import InstanceView from '@renderer/views/InstanceView.vue'
import ErrorAlert from '@renderer/components/ErrorAlert.vue'
import PlannedView from '@renderer/components/PlannedView.vue'
import { until, useRendererHost, wrap } from './host'

/** Components talk to a real Loupe host (`loupe serve`) through the same client the app uses. */
useRendererHost()

describe('renderer components', () => {
  it('Instance view shows the Detail of the active profile with a capacity bar', async () => {
    i18n.global.locale.value = 'en-US'
    const w = wrap(InstanceView)
    await until(
      () => w.find('[data-testid="instance-name"]').exists(),
      10_000,
      () => w.text(),
    )
    expect(w.find('[data-testid="instance-name"]').text()).toBe('local')
    expect(w.text()).toContain('0 of 100,000 images')
    expect(w.find('[data-testid="capacity-bar"]').exists()).toBe(true)
    expect(w.text()).toContain('Never')
  })

  it('explains an error code in the chosen language with its hint and request id', async () => {
    i18n.global.locale.value = 'zh-CN'
    const w = wrap(ErrorAlert, {
      error: { code: 'DeniedRequest', message: 'flow control', requestId: 'REQ-1' },
    })
    expect(w.text()).toContain('超过了实例的 QPS 限制')
    expect(w.find('[data-testid="error-request-id"]').text()).toBe('REQ-1')
    i18n.global.locale.value = 'en-US'
    await flushPromises()
    expect(w.text()).toContain('QPS limit was exceeded')
  })

  it('a failed call rejects with the one normalised error, explained from the catalogue', async () => {
    const e = await getBridge()
      .api.profiles.activate({ name: 'missing' })
      .then(
        () => null,
        (err: unknown) => err,
      )
    expect(e).toBeInstanceOf(LoupeError)
    const err = toUiError(e)
    expect(err).toMatchObject({ code: 'ProfileNotFound', httpStatus: 404, retryable: false })
    expect(err.message).toContain('missing')
    // Anything else caught becomes the same shape.
    expect(toUiError(new Error('boom'))).toEqual({
      code: 'InternalError',
      message: 'boom',
      retryable: true,
    })
    i18n.global.locale.value = 'zh-CN'
    const w = wrap(ErrorAlert, { error: err })
    expect(w.text()).toContain('不存在此名称的配置')
    expect(w.text()).toContain('ProfileNotFound')
    i18n.global.locale.value = 'en-US'
    await flushPromises()
    expect(w.text()).toContain('There is no profile with this name')
  })

  it('explains the codes of bulk add (once a table of their own) in both languages', async () => {
    i18n.global.locale.value = 'zh-CN'
    const w = wrap(ErrorAlert, { error: { code: 'JobsBusy', message: 'held by pid 42' } })
    expect(w.text()).toContain('另一个 Loupe 进程正在运行此数据文件夹的任务')
    expect(w.text()).toContain('请先关闭另一个 Loupe')
    i18n.global.locale.value = 'en-US'
    await flushPromises()
    expect(w.text()).toContain('Another Loupe process is running the jobs of this data folder.')
    expect(w.text()).toContain('held by pid 42')
  })

  it('a view not built yet says plainly what it will do, in both languages', async () => {
    i18n.global.locale.value = 'en-US'
    const w = wrap(PlannedView, { view: 'folders' })
    expect(w.text()).toContain('Watch folders')
    i18n.global.locale.value = 'zh-CN'
    await flushPromises()
    expect(w.text()).toContain('监视文件夹')
  })
})
