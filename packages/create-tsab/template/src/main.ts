// The entry point: `npm start` (node dist/main.js) and `npm run dev` run this file.
// The app runs until SIGINT or SIGTERM (Ctrl-C): the first one stops it gracefully (requests in flight and
// running tasks finish, within the exit budget), and the process ends with the app's exit code.
import { App } from './app.js'

await App.main(App)
