/** ... and for tinypool (a module whose default export handles one task). */
import { work, type EchoTask } from './pool-echo-task'

export default function (task: EchoTask): number {
  return work(task)
}
