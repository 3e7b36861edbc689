/**
 * The dependency-injection exports are tsyringe's own functions (documented in core, not wrapped), and a class whose
 * every constructor parameter has an @inject token is built without any decorator metadata, as under esbuild or tsx.
 */
import * as tsyringe from 'tsyringe'
import { describe, expect, it } from 'vitest'
import { Application, Config, Service, createLogger, inject, injectable, singleton } from '../../src/index.js'

describe('injectable, inject, singleton', () => {
  it('are the very functions of tsyringe', () => {
    expect(injectable).toBe(tsyringe.injectable)
    expect(inject).toBe(tsyringe.inject)
    expect(singleton).toBe(tsyringe.singleton)
  })

  it('build a service from @inject tokens alone, with no design:paramtypes metadata', () => {
    class Database extends Service {}
    // Plain JavaScript, as esbuild or tsx would emit it: the decorators called by hand, no metadata anywhere.
    class Reports extends Service {
      constructor(
        app: Application,
        readonly db: Database,
        readonly config: Config,
      ) {
        super(app)
      }
    }
    inject(Application)(Reports, undefined, 0)
    inject(Database)(Reports, undefined, 1)
    inject(Config)(Reports, undefined, 2)
    injectable()(Reports)
    expect(Reflect.getMetadata('design:paramtypes', Reports)).toBeUndefined()

    const app = new Application({ logger: createLogger({ level: 'silent' }), handleSignals: false })
    const db = app.addService(Database)
    const reports = app.addService(Reports)
    expect(reports.app).toBe(app)
    expect(reports.db).toBe(db)
    expect(reports.config).toBe(app.config)
  })

  it('@singleton() services are still one instance per application', () => {
    @singleton()
    class Clock extends Service {
      constructor(app: Application) {
        super(app)
      }
    }
    const first = new Application({ logger: createLogger({ level: 'silent' }), handleSignals: false })
    const second = new Application({ logger: createLogger({ level: 'silent' }), handleSignals: false })
    expect(first.addService(Clock)).not.toBe(second.addService(Clock))
  })
})
