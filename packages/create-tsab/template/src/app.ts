import { Application, type ApplicationOptions } from '@tsab/core'
import { WebService } from '@tsab/web'
import { ReportService } from './services/report-service.js'
import { TaskLogService } from './services/task-log-service.js'

/**
 * The application: which services it has, and its config defaults. Config comes from these defaults, then
 * `options.config` (tests), a config file (env TSAB_CONFIG) and env TSAB__<SECTION>__<KEY>, last wins.
 * `[web] listen` is 127.0.0.1:8080 unless set (in a container: TSAB__WEB__LISTEN=0.0.0.0:8080); env PORT replaces
 * its port. LOG_LEVEL sets the log level.
 */
export class App extends Application {
  constructor(options: ApplicationOptions = {}) {
    super({ name: '{{name}}', ...options })
    // Order matters: a service gets the services added before it (ReportService is given the WebService).
    this.addService(WebService) // GET /health/live and /health/ready, plus the routes the services add
    this.addService(TaskLogService) // counts and logs every finished task
    this.addService(ReportService) // POST /reports, GET /reports, and a summary every minute
  }
}
