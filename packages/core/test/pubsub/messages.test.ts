import { describe, expect, expectTypeOf, it } from 'vitest'
import { Messages, TICK_PERIODS, type MessageName } from '../../src/pubsub/messages.js'

describe('Messages', () => {
  it('has the exact ASAB-style names', () => {
    expect(Messages).toEqual({
      ApplicationInit: 'Application.init!',
      ApplicationRun: 'Application.run!',
      ApplicationStop: 'Application.stop!',
      ApplicationExit: 'Application.exit!',
      ApplicationHup: 'Application.hup!',
      ApplicationTick: 'Application.tick!',
      ApplicationTick10: 'Application.tick/10!',
      ApplicationTick60: 'Application.tick/60!',
      ApplicationTick300: 'Application.tick/300!',
      ApplicationTick600: 'Application.tick/600!',
      ApplicationTick1800: 'Application.tick/1800!',
      ApplicationTick3600: 'Application.tick/3600!',
      ApplicationTick43200: 'Application.tick/43200!',
      ApplicationTick86400: 'Application.tick/86400!',
      TaskDone: 'TaskService.task_done!',
      JobDone: 'QueueService.job_done!',
    })
  })

  it('has one ApplicationTickN constant per tick period', () => {
    expect(TICK_PERIODS).toEqual([10, 60, 300, 600, 1800, 3600, 43200, 86400])
    for (const period of TICK_PERIODS) {
      expect((Messages as Record<string, string>)[`ApplicationTick${period}`]).toBe(`Application.tick/${period}!`)
    }
  })

  it('is typed with literal types', () => {
    expectTypeOf(Messages.TaskDone).toEqualTypeOf<'TaskService.task_done!'>()
    expectTypeOf(Messages.ApplicationTick60).toEqualTypeOf<'Application.tick/60!'>()
    expectTypeOf<'Application.exit!'>().toMatchTypeOf<MessageName>()
    expectTypeOf<'Nope!'>().not.toMatchTypeOf<MessageName>()
    expectTypeOf(TICK_PERIODS[0]).toEqualTypeOf<10>()
  })
})
