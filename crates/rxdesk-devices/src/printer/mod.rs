//! Receipt printers: the [`ReceiptPrinter`] trait, the ESC/POS builder and
//! decoder, and the ESC/POS driver over TCP 9100, serial, or a device file
//! (`/dev/usb/lp0`).

pub mod code128;
pub mod decode;
pub mod escpos;
pub mod render;

use serde::{Deserialize, Serialize};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// Real-time printer status from `DLE EOT 2` and `DLE EOT 4`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PrinterStatus {
    /// Paper end detected.
    pub paper_out: bool,
    /// Paper near end.
    pub paper_low: bool,
    /// Cover open.
    pub cover_open: bool,
    /// Some other error (cutter jam, over-heat).
    pub error: bool,
}

impl PrinterStatus {
    /// Decodes the answers to `DLE EOT 2` (offline cause) and `DLE EOT 4` (paper sensor).
    /// Both bytes have the fixed pattern 0xx1 xx10; other bytes are rejected.
    pub fn from_bytes(offline: u8, paper: u8) -> Result<Self, PrintError> {
        if offline & 0x93 != 0x12 || paper & 0x93 != 0x12 {
            return Err(PrintError::BadStatus(offline, paper));
        }
        Ok(PrinterStatus {
            cover_open: offline & 0x04 != 0,
            paper_out: offline & 0x20 != 0 || paper & 0x60 != 0,
            paper_low: paper & 0x0c != 0,
            error: offline & 0x40 != 0,
        })
    }

    /// The two status bytes a printer in this state answers (simulator side).
    pub fn to_bytes(self) -> (u8, u8) {
        let mut offline = 0x12;
        let mut paper = 0x12;
        if self.cover_open {
            offline |= 0x04;
        }
        if self.paper_out {
            offline |= 0x20;
            paper |= 0x60;
        }
        if self.paper_low {
            paper |= 0x0c;
        }
        if self.error {
            offline |= 0x40;
        }
        (offline, paper)
    }

    /// Whether a job can print.
    pub fn ready(self) -> bool {
        !self.paper_out && !self.cover_open && !self.error
    }
}

/// A printing failure. The counter shows [`PrintError::message_zh`]; the
/// sale is not affected and the receipt can be reprinted.
#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    /// Cannot reach the printer.
    #[error("cannot connect to printer {0}: {1}")]
    Connect(String, String),
    /// The printer accepted no data or no status within the timeout.
    #[error("printer stopped answering")]
    NotResponding,
    /// Paper end.
    #[error("printer is out of paper")]
    PaperOut,
    /// Cover open.
    #[error("printer cover is open")]
    CoverOpen,
    /// Cutter / head error.
    #[error("printer reports an error")]
    DeviceError,
    /// Status bytes that are not an ESC/POS status.
    #[error("bad status bytes {0:#04x} {1:#04x}")]
    BadStatus(u8, u8),
    /// I/O failed mid-job.
    #[error("printer I/O error: {0}")]
    Io(String),
}

impl PrintError {
    /// The stable code a window in another language words.
    pub fn code(&self) -> &'static str {
        match self {
            PrintError::Connect(..) => "printer_unreachable",
            PrintError::NotResponding => "printer_not_responding",
            PrintError::PaperOut => "paper_out",
            PrintError::CoverOpen => "cover_open",
            PrintError::DeviceError => "printer_error",
            PrintError::BadStatus(..) => "printer_bad_status",
            PrintError::Io(_) => "printer_io",
        }
    }

    /// The message shown at the counter.
    pub fn message_zh(&self) -> String {
        match self {
            PrintError::Connect(who, _) => format!("无法连接打印机 {who}，请检查电源和连线"),
            PrintError::NotResponding => "打印机无响应，请检查打印机".into(),
            PrintError::PaperOut => "打印机缺纸，请装纸后重打".into(),
            PrintError::CoverOpen => "打印机纸仓盖未关".into(),
            PrintError::DeviceError => "打印机故障（切刀或打印头），请检查".into(),
            PrintError::BadStatus(..) => "打印机状态应答异常".into(),
            PrintError::Io(e) => format!("打印机通讯错误：{e}"),
        }
    }
}

fn io_err(e: std::io::Error) -> PrintError {
    match e.kind() {
        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => PrintError::NotResponding,
        _ => PrintError::Io(e.to_string()),
    }
}

/// A receipt printer.
pub trait ReceiptPrinter: Send {
    /// Label for logs/UI.
    fn name(&self) -> &str;
    /// Asks the printer for its real-time status.
    fn status(&mut self) -> Result<PrinterStatus, PrintError>;
    /// Sends a finished ESC/POS job (after checking status when the link can read).
    fn print(&mut self, job: &[u8]) -> Result<(), PrintError>;
}

/// Where the printer is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum PrinterLink {
    /// Network printer, raw port 9100.
    Tcp {
        /// `host:port`
        addr: String,
    },
    /// Serial / USB-serial.
    Serial {
        /// Port path.
        path: String,
        /// Baud rate.
        baud: u32,
    },
    /// USB printer class device file (`/dev/usb/lp0`) or any writable file.
    File {
        /// Path.
        path: String,
    },
}

enum Conn {
    Tcp(TcpStream),
    Serial(Box<dyn serialport::SerialPort>),
    File(std::fs::File),
}

impl Conn {
    fn write_all(&mut self, b: &[u8]) -> std::io::Result<()> {
        match self {
            Conn::Tcp(s) => s.write_all(b).and_then(|_| s.flush()),
            Conn::Serial(s) => s.write_all(b).and_then(|_| s.flush()),
            Conn::File(f) => f.write_all(b).and_then(|_| f.flush()),
        }
    }
    fn can_read(&self) -> bool {
        !matches!(self, Conn::File(_))
    }
    fn read_byte(&mut self, timeout: Duration) -> Result<u8, PrintError> {
        let deadline = Instant::now() + timeout;
        let mut b = [0u8; 1];
        loop {
            let r = match self {
                Conn::Tcp(s) => s.read(&mut b),
                Conn::Serial(s) => s.read(&mut b),
                Conn::File(f) => f.read(&mut b),
            };
            match r {
                Ok(1) => return Ok(b[0]),
                Ok(_) => return Err(PrintError::Io("connection closed".into())),
                Err(e)
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                    ) =>
                {
                    if Instant::now() >= deadline {
                        return Err(PrintError::NotResponding);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(io_err(e)),
            }
        }
    }
}

/// An ESC/POS printer on any [`PrinterLink`]. Connects lazily and reconnects
/// after a failure, so one bad job does not disable the printer.
pub struct EscPosPrinter {
    link: PrinterLink,
    name: String,
    timeout: Duration,
    conn: Option<Conn>,
}

impl EscPosPrinter {
    /// A printer on `link`; `timeout` bounds connect, each write and each status answer.
    pub fn new(link: PrinterLink, timeout: Duration) -> Self {
        let name = match &link {
            PrinterLink::Tcp { addr } => format!("tcp:{addr}"),
            PrinterLink::Serial { path, .. } => format!("serial:{path}"),
            PrinterLink::File { path } => format!("file:{path}"),
        };
        EscPosPrinter {
            link,
            name,
            timeout,
            conn: None,
        }
    }

    fn connect(&mut self) -> Result<&mut Conn, PrintError> {
        if self.conn.is_none() {
            let who = self.name.clone();
            let conn = match &self.link {
                PrinterLink::Tcp { addr } => {
                    let sa: SocketAddr = addr
                        .to_socket_addrs()
                        .map_err(|e| PrintError::Connect(who.clone(), e.to_string()))?
                        .next()
                        .ok_or_else(|| PrintError::Connect(who.clone(), "no address".into()))?;
                    let s = TcpStream::connect_timeout(&sa, self.timeout)
                        .map_err(|e| PrintError::Connect(who.clone(), e.to_string()))?;
                    s.set_read_timeout(Some(self.timeout)).ok();
                    s.set_write_timeout(Some(self.timeout)).ok();
                    s.set_nodelay(true).ok();
                    Conn::Tcp(s)
                }
                PrinterLink::Serial { path, baud } => Conn::Serial(
                    serialport::new(path, *baud)
                        .timeout(self.timeout)
                        .open()
                        .map_err(|e| PrintError::Connect(who.clone(), e.to_string()))?,
                ),
                PrinterLink::File { path } => Conn::File(
                    std::fs::OpenOptions::new()
                        .write(true)
                        .create(false)
                        .open(path)
                        .map_err(|e| PrintError::Connect(who.clone(), e.to_string()))?,
                ),
            };
            self.conn = Some(conn);
        }
        Ok(self.conn.as_mut().expect("connected above"))
    }

    fn query_status(&mut self) -> Result<Option<PrinterStatus>, PrintError> {
        let timeout = self.timeout;
        let conn = self.connect()?;
        if !conn.can_read() {
            return Ok(None);
        }
        conn.write_all(&escpos::status_request(2)).map_err(io_err)?;
        let offline = conn.read_byte(timeout)?;
        conn.write_all(&escpos::status_request(4)).map_err(io_err)?;
        let paper = conn.read_byte(timeout)?;
        PrinterStatus::from_bytes(offline, paper).map(Some)
    }

    fn with_reconnect<T>(
        &mut self,
        f: impl FnOnce(&mut Self) -> Result<T, PrintError>,
    ) -> Result<T, PrintError> {
        let r = f(self);
        if matches!(
            r,
            Err(PrintError::Io(_))
                | Err(PrintError::NotResponding)
                | Err(PrintError::BadStatus(..))
        ) {
            self.conn = None; // drop the link; the next call reconnects
        }
        r
    }
}

impl ReceiptPrinter for EscPosPrinter {
    fn name(&self) -> &str {
        &self.name
    }

    fn status(&mut self) -> Result<PrinterStatus, PrintError> {
        self.with_reconnect(|p| Ok(p.query_status()?.unwrap_or_default()))
    }

    fn print(&mut self, job: &[u8]) -> Result<(), PrintError> {
        self.with_reconnect(|p| {
            if let Some(st) = p.query_status()? {
                if st.paper_out {
                    return Err(PrintError::PaperOut);
                }
                if st.cover_open {
                    return Err(PrintError::CoverOpen);
                }
                if st.error {
                    return Err(PrintError::DeviceError);
                }
            }
            let conn = p.connect()?;
            conn.write_all(job).map_err(io_err)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_bytes_round_trip_and_reject_garbage() {
        for bits in 0u8..16 {
            let st = PrinterStatus {
                paper_out: bits & 1 != 0,
                paper_low: bits & 2 != 0,
                cover_open: bits & 4 != 0,
                error: bits & 8 != 0,
            };
            let (a, b) = st.to_bytes();
            assert_eq!(PrinterStatus::from_bytes(a, b).unwrap(), st);
        }
        assert!(matches!(
            PrinterStatus::from_bytes(0xff, 0x12),
            Err(PrintError::BadStatus(..))
        ));
        assert!(PrinterStatus::from_bytes(0x12, 0x12).unwrap().ready());
    }
}
