/**
 * `Service.beforeFinalize()`: at exit-time every service stops taking work, in reverse registration order, before
 * the application's own `finalize()` and before any service is finalized.
 */
import { describe, expect, it } from 'vitest'
import { Application } from '../../src/application/application.js'
import { Service } from '../../src/service/service.js'
import { testOptions, useTestApps } from '../support/app.js'

const { apps } = useTestApps()

describe('Service.beforeFinalize()', () => {
  it('runs for every service, last registered first, before anything is finalized', async () => {
    const calls: string[] = []
    class Tracked extends Service {
      override beforeFinalize() {
        calls.push(`${this.name}:beforeFinalize`)
      }
      override finalize() {
        calls.push(`${this.name}:finalize`)
      }
    }
    class App extends Application {
      protected override finalize() {
        calls.push('app:finalize')
      }
    }
    const app = new App(testOptions())
    apps.push(app)
    app.addService(new Tracked(app, 'a'))
    app.addService(new Tracked(app, 'b'))
    await app.start()
    await app.stop()
    expect(calls).toEqual(['b:beforeFinalize', 'a:beforeFinalize', 'app:finalize', 'b:finalize', 'a:finalize'])
  })

  it('a throwing beforeFinalize is logged and every finalize still runs', async () => {
    const options = testOptions()
    const calls: string[] = []
    class Broken extends Service {
      override beforeFinalize(): void {
        throw new Error('drain failed')
      }
      override finalize() {
        calls.push('finalize')
      }
    }
    const app = new Application(options)
    apps.push(app)
    app.addService(Broken)
    await app.start()
    await app.stop()
    expect(calls).toEqual(['finalize'])
    expect(options.lines.some((l) => l.service === 'Broken' && /beforeFinalize/.test(l.msg))).toBe(true)
  })
})
