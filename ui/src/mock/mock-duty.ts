// The pharmacist's duty (上岗 / 下岗) for the mocked IPC (vitest and the
// headless-browser test, Vite `mock` mode only, never bundled): it REPLAYS
// the real visit service's answers recorded against the center emulator
// (`recorded/duty.json`, written by `cargo test -p rxdesk-app --test
// recorded_views`): a cashier refused, someone else's e-voucher refused, the
// pharmacist's own e-voucher starting the duty, the duty ended, and ending
// one nobody is on. `shift_current` answers what the last replayed change
// left (the recorded reads say the same). A request no recording answers is
// refused with `MOCK_NOT_RECORDED`.
import recorded from "./recorded/duty.json";
import { filled, notRecorded, type RecordedFlow, type RecordedStep } from "./replay";
import type { OperatorInfo, ShiftEnded, ShiftView } from "../ipc/generated/types";

type DutyStep = RecordedStep & { role?: string };
const STEPS = (recorded as unknown as { flows: RecordedFlow[] }).flows[0]?.steps as DutyStep[];

/** The pharmacist's own e-voucher, as the recorded duty was started with it (the real demo world's). */
export const PHARMACIST_EVOUCHER = String(STEPS.find((s) => s.command === "shift_start" && !s.role && !s.error)?.args.evoucher ?? "");

/** The recorded answers of `command`, in recorded order. */
const recordedOf = (command: string): DutyStep[] => STEPS.filter((s) => s.command === command);

export class MockDuty {
  /** Who is on duty: the recorded `shift_start` answer, until the recorded `shift_end`. */
  shift: ShiftView | null = null;

  constructor(private readonly operator: () => OperatorInfo | null) {}

  /** The answer of the recorded step, or its refusal thrown. */
  private play<T>(s: DutyStep): T {
    if (s.error) throw filled(s.error);
    return filled(s.response) as T;
  }

  handle(cmd: string, a: Record<string, unknown>): unknown {
    switch (cmd) {
      case "shift_current":
        return this.shift ? structuredClone(this.shift) : null;
      case "shift_start": {
        const role = this.operator()?.role;
        const starts = recordedOf("shift_start");
        // Recorded with a cashier's session: any non-pharmacist is refused the same way.
        const s = role !== "pharmacist" ? starts.find((x) => x.role && x.role !== "pharmacist") : starts.find((x) => !x.role && x.args.evoucher === a.evoucher);
        if (!s) throw notRecorded(cmd, a);
        this.shift = this.play<ShiftView>(s);
        return structuredClone(this.shift);
      }
      case "shift_end": {
        // The first recorded end was made on duty, the second with nobody on duty.
        const [onDuty, offDuty] = recordedOf("shift_end");
        const s = this.shift ? onDuty : offDuty;
        if (!s) throw notRecorded(cmd, a);
        const ended = this.play<ShiftEnded>(s);
        this.shift = null;
        return ended;
      }
      default:
        return undefined;
    }
  }
}
