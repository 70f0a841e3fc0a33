//! The chain manager's pages: plain server-rendered HTML with zh-CN labels,
//! one table per view, no script.
//!
//! Why plain HTML: a chain manager opens head office in any browser; the
//! figures are tables, and a page that needs no JavaScript framework is
//! small, fast and cannot break on an old browser. Every value is escaped.

use rust_decimal::Decimal;
use rxdesk_chain::views;

use crate::{View, ViewData};

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// A Unix-ms instant in China Standard Time, `yyyy-MM-dd HH:mm:ss`.
pub fn cst(ms: Option<i64>) -> String {
    let Some(ms) = ms else {
        return "—".into();
    };
    let offset = chrono::FixedOffset::east_opt(8 * 3600)
        .map(|o| chrono::DateTime::from_timestamp_millis(ms).map(|t| t.with_timezone(&o)));
    match offset.flatten() {
        Some(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
        None => "—".into(),
    }
}

fn money(d: Decimal) -> String {
    format!("{:.2}", d)
}

fn title(v: View) -> &'static str {
    match v {
        View::Stores => "门店与收银台",
        View::Uploads => "医保上传状态",
        View::Issues => "同步失败",
        View::Reconciliation => "对账",
        View::Regulator => "监管指标",
        View::Prices => "价格监测",
    }
}

fn upload_state(s: &str) -> &str {
    match s {
        "pending" => "待上传",
        "sending" => "上传中",
        "uncertain" => "结果未知",
        "done" => "已完成",
        "rejected" => "被拒绝",
        "voided" => "已作废",
        other => other,
    }
}

fn outcome(s: &str) -> &str {
    match s {
        "balanced" => "平账",
        "differences" => "有差异",
        "failed" => "失败",
        other => other,
    }
}

struct Table {
    head: Vec<&'static str>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(head: &[&'static str]) -> Table {
        Table {
            head: head.to_vec(),
            rows: Vec::new(),
        }
    }

    /// Cells are escaped here.
    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells.iter().map(|c| esc(c)).collect());
    }

    fn render(&self) -> String {
        let mut s = String::from("<table><thead><tr>");
        for h in &self.head {
            s.push_str(&format!("<th>{h}</th>"));
        }
        s.push_str("</tr></thead><tbody>");
        if self.rows.is_empty() {
            s.push_str(&format!(
                "<tr><td colspan=\"{}\" class=\"empty\">暂无数据</td></tr>",
                self.head.len()
            ));
        }
        for r in &self.rows {
            s.push_str("<tr>");
            for c in r {
                s.push_str(&format!("<td>{c}</td>"));
            }
            s.push_str("</tr>");
        }
        s.push_str("</tbody></table>");
        s
    }
}

const STYLE: &str = "body{font-family:'Noto Sans CJK SC','WenQuanYi Micro Hei','Microsoft YaHei',sans-serif;margin:0;color:#1f2933;background:#f7f8fa}\
header{background:#1d4e89;color:#fff;padding:12px 24px}header h1{font-size:18px;margin:0}\
nav{background:#fff;border-bottom:1px solid #d9dee5;padding:8px 24px}nav a{margin-right:18px;color:#1d4e89;text-decoration:none}\
nav a.on{font-weight:bold;border-bottom:2px solid #1d4e89}main{padding:16px 24px}\
table{border-collapse:collapse;background:#fff;width:100%}th,td{border:1px solid #d9dee5;padding:6px 10px;text-align:left;font-size:14px}\
th{background:#eef2f7}td.empty{color:#7b8794;text-align:center}";

fn page(v: View, body: &str) -> String {
    let mut nav = String::new();
    for x in View::ALL {
        let on = if x == v { " class=\"on\"" } else { "" };
        nav.push_str(&format!(
            "<a href=\"/chain/{}\"{on}>{}</a>",
            x.slug(),
            title(x)
        ));
    }
    format!(
        "<!DOCTYPE html><html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>{t} · 连锁总部</title>\
         <style>{STYLE}</style></head><body><header><h1>连锁总部 · {t}</h1></header><nav>{nav}</nav><main>{body}</main></body></html>",
        t = title(v)
    )
}

fn stores(data: &[views::StoreView]) -> String {
    let mut t = Table::new(&[
        "门店编码",
        "门店名称",
        "收银台号",
        "站点",
        "最近上传",
        "最近下载",
        "待下载记录",
        "未解决问题",
        "最近错误",
    ]);
    for s in data {
        if s.sites.is_empty() {
            t.row(vec![
                s.store_code.clone(),
                s.name.clone(),
                "（未注册收银台）".into(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                String::new(),
            ]);
        }
        for x in &s.sites {
            t.row(vec![
                s.store_code.clone(),
                s.name.clone(),
                x.counter_no.to_string(),
                x.site_id.to_string(),
                cst(x.last_push_at),
                cst(x.last_pull_at),
                x.backlog.to_string(),
                x.open_issues.to_string(),
                x.last_error.clone(),
            ]);
        }
    }
    t.render()
}

/// Renders one view's page.
pub fn render(v: View, data: &ViewData) -> String {
    let body = match data {
        ViewData::Stores(d) => stores(d),
        ViewData::Uploads(d) => {
            let mut t = Table::new(&["门店编码", "交易编号", "状态", "笔数"]);
            for u in d {
                t.row(vec![
                    u.store_code.clone(),
                    u.op.clone(),
                    upload_state(&u.state).to_string(),
                    u.count.to_string(),
                ]);
            }
            t.render()
        }
        ViewData::Issues(d) => {
            let mut t = Table::new(&[
                "时间",
                "门店编码",
                "站点",
                "表",
                "记录",
                "代码",
                "说明",
                "状态",
            ]);
            for i in d {
                t.row(vec![
                    cst(Some(i.at)),
                    i.store_code.clone(),
                    i.site_id.to_string(),
                    i.table.clone(),
                    i.record_id.to_string(),
                    i.code.clone(),
                    i.message.clone(),
                    if i.resolved {
                        "已解决"
                    } else {
                        "未解决（阻塞同步）"
                    }
                    .into(),
                ]);
            }
            t.render()
        }
        ViewData::Reconciliation(d) => {
            let mut t = Table::new(&[
                "日期",
                "门店编码",
                "结算笔数",
                "收银台数",
                "医疗费总额",
                "基金支付总额",
                "个人账户支出",
                "个人现金支出",
                "分险种（险种 笔数 医疗费总额）",
                "对账结果",
                "差异说明",
            ]);
            for r in d {
                t.row(vec![
                    r.day.clone(),
                    r.store_code.clone(),
                    r.settlements.to_string(),
                    r.counters.to_string(),
                    money(r.medfee_sumamt),
                    money(r.fund_pay_sumamt),
                    money(r.acct_pay),
                    money(r.psn_cash_pay),
                    r.by_insutype
                        .iter()
                        .map(|t| {
                            let kind = if t.insutype.is_empty() {
                                "未知"
                            } else {
                                t.insutype.as_str()
                            };
                            format!("{kind} {} 笔 {}", t.settlements, money(t.medfee_sumamt))
                        })
                        .collect::<Vec<_>>()
                        .join("；"),
                    r.outcome
                        .as_deref()
                        .map(outcome)
                        .unwrap_or("未对账")
                        .to_string(),
                    r.summary.clone(),
                ]);
            }
            t.render()
        }
        ViewData::Regulator(d) => {
            let mut t = Table::new(&[
                "门店编码",
                "销售笔数",
                "销售金额",
                "医保基金支付",
                "退货笔数",
                "明细行数",
                "有追溯码行数",
                "追溯码覆盖率",
            ]);
            for f in d {
                t.row(vec![
                    if f.store_code.is_empty() {
                        "全连锁合计".into()
                    } else {
                        f.store_code.clone()
                    },
                    f.sales.to_string(),
                    money(f.sales_amount),
                    money(f.fund_paid),
                    f.refunds.to_string(),
                    f.lines.to_string(),
                    f.lines_with_codes.to_string(),
                    format!("{}%", f.trace_coverage_pct),
                ]);
            }
            t.render()
        }
        ViewData::Prices(d) => {
            let mut t = Table::new(&[
                "目录编号",
                "品名",
                "连锁定价",
                "门店编码",
                "门店售价",
                "是否一致",
            ]);
            for p in d {
                let chain = p.chain_price.map(money).unwrap_or_else(|| "未发布".into());
                if p.stores.is_empty() {
                    t.row(vec![
                        p.fixmedins_hilist_id.clone(),
                        p.name.clone(),
                        chain.clone(),
                        String::new(),
                        "（无销售）".into(),
                        String::new(),
                    ]);
                }
                for s in &p.stores {
                    let prices: Vec<String> = s.prices.iter().map(|x| money(*x)).collect();
                    t.row(vec![
                        p.fixmedins_hilist_id.clone(),
                        p.name.clone(),
                        chain.clone(),
                        s.store_code.clone(),
                        prices.join(" / "),
                        if s.differs { "不一致" } else { "一致" }.into(),
                    ]);
                }
            }
            t.render()
        }
    };
    page(v, &body)
}
