import { describe, expect, it } from "vitest";
import { errorText } from "../ipc/api";
import { dnName, insutypeName, plain, rawText } from "./plain";
import { ipcErrorText } from "../ipc/errors";

describe("zh-CN screens show no raw backend text", () => {
  it("CRL reasons and signed fields are named in Chinese", () => {
    const revoked = plain("签名证书已被吊销（吊销时间 2026-11-01 08:00:00，原因 keyCompromise）", "zh-CN");
    expect(revoked).toBe("签名证书已被吊销（吊销时间 2026-11-01 08:00:00，原因 密钥泄露）");
    expect(rawText(revoked)).toEqual([]);
    expect(plain("电子签名验证失败：处方内容与签名不一致（originalValue）", "zh-CN")).toBe("电子签名验证失败：处方内容与签名不一致（签名原文）");
    expect(plain("原因 cACompromise", "zh-CN")).toBe("原因 CA 密钥泄露");
  });

  it("a certificate is shown by its name, never CN=…", () => {
    expect(dnName("CN=北京市演示第一医院,O=H11010100001,C=CN")).toBe("北京市演示第一医院");
    expect(dnName("CN=Some Hospital Sign,O=北京市演示第一医院,C=CN")).toBe("北京市演示第一医院");
    expect(dnName("CN=RxDesk Demo 医保 CA (DEMO ONLY),O=RxDesk Demo,C=CN")).toBe("RxDesk Demo 医保 CA (DEMO ONLY)");
    const ca = plain("签发签名证书的中级 CA 证书已被吊销（CN=演示医保中级 CA,O=演示医保局,C=CN，吊销时间 2026-11-01），签名不可信", "zh-CN");
    expect(ca).toBe("签发签名证书的中级 CA 证书已被吊销（演示医保局，吊销时间 2026-11-01），签名不可信");
    expect(rawText(ca)).toEqual([]);
  });

  it("file paths and English appended to a Chinese message are dropped", () => {
    const cases: [string, string][] = [
      ["请先登录 / sign in first", "请先登录"],
      ["无法读取口令文件 /home/rxdesk/.rxdesk/center.pw：No such file or directory (os error 2)", "无法读取口令文件"],
      ["后台任务失败：task join error: panicked；请重试。", "后台任务失败；请重试。"],
      ["小票已保存到 C:\\RxDesk\\receipts\\P0001.escpos，打印机未连接", "小票已保存到，打印机未连接"],
      ["中心拒绝 (code 1101): 就诊凭证无效。", "中心拒绝 (代码 1101): 就诊凭证无效。"],
    ];
    for (const [raw, want] of cases) {
      const out = plain(raw, "zh-CN");
      expect(out, raw).toBe(want);
      expect(rawText(out), raw).toEqual([]);
    }
  });

  it("keeps keys, units, acronyms and product codes", () => {
    const s = "按 F10 完成；阿莫西林 0.25g，YP000001，医保 CA 与 CRL，国家医保服务平台 App，Shift+F1";
    expect(plain(s, "zh-CN")).toBe(s);
    expect(rawText(s)).toEqual([]);
  });

  it("an all-English backend message becomes a plain Chinese sentence, not English", () => {
    const out = plain("The ledger failed: database is locked", "zh-CN");
    expect(out).toMatch(/无法显示的错误信息/);
    expect(rawText(out)).toEqual([]);
  });

  it("the detector catches what it should", () => {
    expect(rawText("原因 keyCompromise")).not.toEqual([]);
    expect(rawText("请先登录 / sign in first")).not.toEqual([]);
    expect(rawText("见 /var/lib/rxdesk/x.pdf")).not.toEqual([]);
    expect(rawText("CN=北京市演示第一医院,O=H1")).not.toEqual([]);
  });

  it("errorText puts a backend sentence in plain Chinese; en-US shows no Chinese from the backend", () => {
    expect(errorText("请先登录 / sign in first", "zh-CN")).toBe("请先登录");
    const revoked = { code: "SOMETHING_NEW", params: {}, detail: "d", sentence: { zhCn: "签名证书已被吊销（原因 keyCompromise）", enUs: "" } };
    expect(errorText(revoked, "zh-CN")).toBe("签名证书已被吊销（原因 密钥泄露）");
    expect(ipcErrorText("en-US", { code: "NO_RX", params: {}, detail: "x" })).toBe("No prescription downloaded yet");
    // en-US never shows a Chinese backend text: the generic sentence with a code.
    expect(errorText("请先登录 / sign in first", "en-US")).toMatch(/^The action did not complete \(error code UI_UNEXPECTED\)/);
  });

  it("险种 codes are shown by name", () => {
    expect(insutypeName("310", "zh-CN")).toBe("职工基本医疗保险");
    expect(insutypeName("390", "zh-CN")).toBe("城乡居民基本医疗保险");
    expect(insutypeName("职工基本医疗保险", "zh-CN")).toBe("职工基本医疗保险");
    expect(insutypeName("399", "zh-CN")).toBe("399");
  });
});
