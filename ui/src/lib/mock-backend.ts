// A fake backend for UI tests in a plain browser (Vite `--mode mock`): it
// answers the same commands with the same shapes as src-tauri. Never bundled
// into the app.
import { mockIPC } from "@tauri-apps/api/mocks";
import type { AppStatus, AuthorisedRx, OperatorInfo, PrescriptionView } from "./api";

/** A one-page PDF with a line of ASCII text, built by hand (valid xref). */
export function tinyPdf(text: string): string {
  const objs = [
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 420 595] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
    "",
    "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
  ];
  const stream = `BT /F1 14 Tf 40 540 Td (${text}) Tj ET`;
  objs[3] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  for (const off of offsets) out += `${String(off).padStart(10, "0")} 00000 n \n`;
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return btoa(out);
}

const mockList: AuthorisedRx[] = [
  { auth_rxno: "AR-OK", diag_name: "急性上呼吸道感染", fixmedins_code: "H11010100001", fixmedins_name: "北京市演示第一医院", prsc_time: "2026-11-23 09:00:00", dept_name: "呼吸内科", valid_end_time: "2026-11-30 09:00:00" },
  { auth_rxno: "AR-TAMPERED", diag_name: "高血压", fixmedins_code: "H11010100001", fixmedins_name: "北京市演示第一医院", prsc_time: "2026-11-22 10:00:00", dept_name: "心内科", valid_end_time: "2026-11-29 10:00:00" },
];

function mockView(auth: string): PrescriptionView {
  const ok = auth === "AR-OK";
  const signer = {
    subject: "CN=北京市演示第一医院,O=H11010100001,C=CN", issuer: "CN=RxDesk Demo 医保 CA (DEMO ONLY),O=RxDesk Demo,C=CN",
    serial: "0A01", not_before: "2025-01-01T00:00:00Z", not_after: "2030-01-01T00:00:00Z", institution: "H11010100001", signed_at: "2026-11-23T01:00:00Z",
  };
  return {
    rx_id: ok ? 1 : 2,
    auth_rxno: auth,
    certno_masked: "110***********002X",
    prescription: {
      hiRxno: ok ? "RX0001" : "RX0002", patnName: "张三", fixmedinsName: "北京市演示第一医院", fixmedinsCode: "H11010100001",
      prscDrName: "赵医生", pharDeptName: "呼吸内科", prscTime: "2026-11-23 09:00:00", validEndTime: "2026-11-30 09:00:00",
      diagName: "急性上呼吸道感染", rxFile: tinyPdf("MOCK LAYOUT RX0001"), signCertSn: "0A01", signCertDn: signer.subject,
      rxDrugDetail: [{ medListCodg: "XJ01CAA040A001010100001", drugGenname: "阿莫西林胶囊", drugSpec: "0.25g*24粒", drugCnt: "2", drugCntUnit: "盒",
        sinDoscnt: "0.5", sinDosunt: "g", usedFrquName: "每日三次", medcWayDscr: "口服", medcDays: "7" }],
    },
    verdict: ok ? { verdict: "verified", signer, warnings: [] } : { verdict: "rejected", reason: { code: "content_mismatch", field: "originalValue" }, signer },
    reason_zh: ok ? "" : "电子签名验证失败：处方内容与签名不一致（originalValue）",
    next_step_zh: ok ? "签名有效：请药师核对版式文件与结构化信息后审方。" : "已阻止：此处方不能审方或结算。请告知患者联系开方医院重新开具，或联系医保中心核实。",
  };
}

const accounts: Record<string, [string, OperatorInfo["role"], string, string]> = {
  "3001": ["王店长", "manager", "店长", "demo-manager"],
  "2001": ["李药师", "pharmacist", "药师", "demo-pharmacist"],
  "1001": ["张收银", "cashier", "收银员", "demo-cashier"],
};
let current: OperatorInfo | null = null;

export const mockStatus: AppStatus = {
  version: "0.1.0",
  center: "not_connected",
  center_label: "未连接",
  devices: "not_configured",
  devices_label: "未配置",
  store_name: "演示药店",
  demo_mode: true,
  data_dir: "/tmp/rxdesk-mock",
  locale: "zh-CN",
};

export function installMockBackend(): void {
  mockIPC((cmd, args) => {
    switch (cmd) {
      case "app_status":
        return mockStatus;
      case "set_locale": {
        const locale = (args as { locale?: string } | undefined)?.locale;
        if (locale !== "zh-CN" && locale !== "en-US") throw new Error(`不支持的语言 ${String(locale)}`);
        return locale;
      }
      case "ui_ready":
        return 0;
      case "login": {
        const a = args as { login: string; password: string; role?: string };
        const acc = accounts[a.login.trim()];
        if (!acc || acc[3] !== a.password) throw "用户名或密码错误 / wrong login or password";
        if (a.role && a.role !== acc[1]) throw `工号 ${a.login} 的角色是${acc[2]}，请选择正确的角色登录`;
        current = { login: a.login.trim(), name: acc[0], role: acc[1], role_label: acc[2] };
        return current;
      }
      case "logout":
        current = null;
        return null;
      case "current_operator":
        return current;
      case "find_prescriptions": {
        const a = args as { credential: string; number: string };
        if (!current) throw "请先登录 / sign in first";
        if (a.number.includes("unknown")) throw "中心拒绝 (code 1101): 就诊凭证无效";
        return mockList;
      }
      case "open_prescription":
        return mockView((args as { authRxno: string }).authRxno);
      case "demo_accounts":
        return Object.entries(accounts).map(([login, [name, role, , pw]]) => [`${login} ${name}`, role, pw]);
      default:
        throw new Error(`mock backend: unknown command ${cmd}`);
    }
  });
}
