// The delivery commands for the mocked IPC (vitest and the headless-browser
// test, Vite `mock` mode only, never bundled): they REPLAY the real delivery
// service's answers recorded against the center emulator on 王芳's recorded
// sale (`recorded/delivery.json`, written by `cargo test -p rxdesk-app --test
// recorded_views`): the refusals along the way (no delivery number, no such
// receipt, a second order, signing before it is on the way, a recipient who
// is not the patient, refusing a signed order), accepted, in transit, signed
// for. A request is answered by the recorded step with the same command and
// arguments made at the same point of the order's life (how many moves had
// succeeded); `delivery_orders` by the recorded list at that point. Anything
// else is refused with `MOCK_NOT_RECORDED`. The sale's receipt number is the
// replay's fixed stand-in for `<rtalDocno>` (RD202612050001).
import recorded from "./recorded/delivery.json";
import { filled, notRecorded, sameArgs, type RecordedFlow, type RecordedStep } from "./replay";
import type { DeliveryOrder } from "../ipc/delivery-api";

const STEPS = (recorded as unknown as { flows: RecordedFlow[] }).flows[0]!.steps;
/** Each recorded step with the number of successful moves made before it. */
const AT: { step: RecordedStep; moves: number }[] = (() => {
  let moves = 0;
  return STEPS.map((step) => {
    const here = { step, moves };
    if (step.command !== "delivery_orders" && !step.error) moves += 1;
    return here;
  });
})();

export class MockDeliveryBackend {
  /** Successful moves so far (accepted, in transit, signed). */
  private moves = 0;

  /** Answers a delivery command, or undefined when `cmd` is not one. */
  handle(cmd: string, args: Record<string, unknown>): unknown {
    if (!cmd.startsWith("delivery_")) return undefined;
    if (cmd === "delivery_orders") {
      // The list as recorded at this point (the latest recorded before it when none was).
      const read = AT.filter((a) => a.step.command === cmd && a.moves <= this.moves).pop();
      return filled((read?.step.response ?? []) as DeliveryOrder[]);
    }
    const hit = AT.find((a) => a.step.command === cmd && a.moves === this.moves && sameArgs(a.step.args ?? {}, args));
    if (!hit) throw notRecorded(cmd, args);
    if (hit.step.error) throw filled(hit.step.error);
    this.moves += 1;
    return filled(hit.step.response);
  }
}
