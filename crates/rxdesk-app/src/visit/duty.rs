//! The pharmacist's duty: binding her own e-voucher to her account, the
//! shift start (上岗) confirmed by the center's identity of that e-voucher,
//! and who is on duty now. It exists apart from the audit because the
//! shift outlives any one visit (the audit, receipts and guidance read it).

use super::view::ShiftView;
use super::{CenterAction, DutyPurpose, Holder};
use super::{OnDuty, StepError};
use chrono::Utc;
use rxdesk_core::codes::CertType;
use rxdesk_core::identity::PersonIdentity;
use rxdesk_core::prescription::mask_id_number;
use rxdesk_core::rules::identity::same_cert_no;
use rxdesk_core::time::format_wire;
use rxdesk_core::visit::{EVoucherCheck, Pharmacist, Shift};
use rxdesk_store::Role;
use rxdesk_store::Session;
use tracing::Instrument;

impl super::VisitService {
    pub(super) fn on_duty(&self) -> Option<OnDuty> {
        self.on_duty
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The pharmacist on duty, if any.
    pub fn shift_current(&self) -> Option<ShiftView> {
        self.on_duty().map(|d| shift_view(&d.shift))
    }

    pub(super) async fn evoucher_person(
        &self,
        by: &Session,
        token: &str,
    ) -> Result<PersonIdentity, StepError> {
        let token = token.trim();
        if token.is_empty() || token.chars().any(char::is_control) {
            return Err(StepError::BadCredential {
                holder: Holder::Pharmacist,
            });
        }
        let info = self
            .person_info(by, CertType::EVoucher, token, "")
            .await
            .map_err(|e| StepError::center(CenterAction::PharmacistEVoucher, &e))?;
        Ok(PersonIdentity {
            name: info.baseinfo.psn_name,
            cert_type: "01".into(),
            cert_no: info.baseinfo.certno,
        })
    }

    /// The pharmacist's own e-voucher binding (settings → 人员): the
    /// signed-in pharmacist scans her own e-voucher once; the center's
    /// identity must be the ID number the manager registered, then the
    /// binding is recorded (audit-logged). The same check runs at every
    /// shift start and audit; this confirms it before the first one.
    pub async fn bind_own_evoucher(
        &self,
        by: &Session,
        evoucher: &str,
    ) -> Result<String, StepError> {
        if by.role() != Role::Pharmacist {
            return Err(StepError::NotPharmacist {
                purpose: DutyPurpose::Binding,
            });
        }
        let me = self
            .store
            .operator_identity_by(Some(by.operator_id()), None)?
            .ok_or(StepError::NoOperator)?;
        if me.certno.trim().is_empty() {
            return Err(StepError::PharmacistNotRegistered {
                purpose: DutyPurpose::Binding,
            });
        }
        let person = self.evoucher_person(by, evoucher).await?;
        if !same_cert_no(&person.cert_no, &me.certno) {
            tracing::warn!("e-voucher binding refused: not the operator's own");
            return Err(StepError::ShiftIdentityMismatch {
                purpose: DutyPurpose::Binding,
            });
        }
        self.store.record_ec_binding(by)?;
        Ok(format!(
            "已绑定：{} 本人的医保电子凭证与登记身份一致",
            me.display_name
        ))
    }

    /// Shift start: the signed-in pharmacist scans their own e-voucher; the
    /// center's identity must be the one registered for the operator.
    pub async fn shift_start(&self, by: &Session, evoucher: &str) -> Result<ShiftView, StepError> {
        let span = tracing::info_span!("shift_start", operator = %by.login());
        async {
            if by.role() != Role::Pharmacist {
                return Err(StepError::NotPharmacist {
                    purpose: DutyPurpose::Shift,
                });
            }
            let me = self
                .store
                .operator_identity_by(Some(by.operator_id()), None)?
                .ok_or(StepError::NoOperator)?;
            if me.certno.trim().is_empty() {
                return Err(StepError::PharmacistNotRegistered {
                    purpose: DutyPurpose::Shift,
                });
            }
            let person = self.evoucher_person(by, evoucher).await?;
            if !same_cert_no(&person.cert_no, &me.certno) {
                tracing::warn!("shift start refused: the e-voucher is not the operator's");
                return Err(StepError::ShiftIdentityMismatch {
                    purpose: DutyPurpose::Shift,
                });
            }
            let now = Utc::now();
            let shift = Shift {
                pharmacist: Pharmacist {
                    code: me.phar_code.clone(),
                    person: PersonIdentity {
                        name: me.display_name.clone(),
                        cert_type: "01".into(),
                        cert_no: me.certno.clone(),
                    },
                    prac_cert_no: me.prac_cert_no.clone(),
                },
                started: EVoucherCheck {
                    person: PersonIdentity {
                        name: me.display_name.clone(),
                        ..person
                    },
                    at: now,
                },
                ended_at: None,
            };
            let v = shift_view(&shift);
            // 上岗 in the ledger and the audit log (any other open duty ends).
            let duty = self.store.duty_start(by)?;
            tracing::info!(duty_shift = duty.id, "duty recorded");
            *self.on_duty.lock().unwrap_or_else(|p| p.into_inner()) = Some(OnDuty {
                operator_id: by.operator_id(),
                shift,
            });
            tracing::info!("pharmacist on duty");
            rxdesk_store::crashpoint!("visit_after_shift_start");
            Ok(v)
        }
        .instrument(span)
        .await
    }
}

impl super::VisitService {
    /// 下岗: the signed-in pharmacist goes off duty — the duty ends in the
    /// ledger and the audit log, and she audits no more until her next 上岗.
    pub async fn shift_end(&self, by: &Session) -> Result<crate::till::ShiftEnded, StepError> {
        let ended = self.store.duty_end(by)?;
        let mut on = self.on_duty.lock().unwrap_or_else(|p| p.into_inner());
        let was_mine = on
            .as_ref()
            .is_some_and(|d| d.operator_id == by.operator_id());
        if was_mine {
            *on = None;
        }
        drop(on);
        Ok(match ended {
            Some(d) => {
                tracing::info!(duty_shift = d.id, "pharmacist off duty");
                crate::till::ShiftEnded {
                    ended: true,
                    message_zh: format!("{} 已下岗（已记入账本和审计日志）", by.display_name()),
                }
            }
            None => crate::till::ShiftEnded {
                ended: false,
                message_zh: format!("{} 当前不在岗，无需下岗", by.display_name()),
            },
        })
    }
}

fn shift_view(s: &Shift) -> ShiftView {
    ShiftView {
        pharmacist_name: s.pharmacist.person.name.clone(),
        certno_masked: mask_id_number(&s.pharmacist.person.cert_no),
        started_at: format_wire(s.started.at),
    }
}
