//! What a rule sees (one workload, already decoded) and what it reports.

use crate::dockerfile::Dockerfile;
use crate::dockerfile::images::BaseImage;
use crate::dockerfile::index::ImageIndex;
use crate::dockerfile::parse::Span as DfSpan;
use crate::dockerfile::user::Analysis;
use crate::fix::editor::{Editor, NoFix, V};
use crate::fix::{Applicability, Edit, Fix};
use crate::kb::CveLink;
use crate::model::effective::{EffectiveSecurityContext, ImageUser, Origin, Row, effective};
use crate::model::pod::Profile;
use crate::model::{Container, PodTemplate, SecurityContext, Workload};
use crate::pss::{self, CHECKS};
use crate::source::tree::{Doc, NodeId, NodeKind};

use super::Rule;

pub struct Ctx<'a, 'd> {
    pub doc: &'d Doc<'d>,
    pub workload: &'a Workload<'d>,
    pub pod: &'a PodTemplate<'d>,
    /// The target policy version's minor number.
    pub minor: u32,
    /// Check IDs whose revision in force at `minor` fails for this pod.
    failing: Vec<&'static str>,
    effective: Vec<EffectiveSecurityContext<'a, 'd>>,
    /// What is known of the images the containers run.
    pub images: &'a ImageIndex,
    /// Builds edits on the document's text.
    pub edit: &'a Editor<'d, 'd>,
}

/// What the image index knows of the user `c`'s image runs as, when it
/// knows the UID (never guessed).
pub fn image_user(images: &ImageIndex, c: &Container<'_>) -> Option<ImageUser> {
    let image = c.image?;
    let info = images.lookup(image.v)?;
    let uid = i64::from(info.numeric_uid?);
    let (gid, source) = match (&info.dockerfile, &info.table) {
        (Some(df), _) => (None, format!("the image built by {df}: USER {}", info.user)),
        (None, Some((repo, _))) => {
            let gid = if uid == 0 {
                Some(0)
            } else {
                crate::dockerfile::images::lookup(image.v).and_then(|b| {
                    b.entry
                        .users
                        .iter()
                        .find(|u| i64::from(u.uid) == uid)
                        .map(|u| i64::from(u.gid))
                })
            };
            let who = if uid == 0 {
                "it runs as root".to_string()
            } else {
                format!("user {}", info.user)
            };
            (
                gid,
                format!(
                    "the image {}: {who}; podsec's base image table, {repo}",
                    image.v
                ),
            )
        }
        (None, None) => return None,
    };
    Some(ImageUser {
        uid: Some(uid),
        gid,
        source,
    })
}

impl<'a, 'd> Ctx<'a, 'd> {
    pub fn new(
        doc: &'d Doc<'d>,
        workload: &'a Workload<'d>,
        pod: &'a PodTemplate<'d>,
        minor: u32,
        images: &'a ImageIndex,
        edit: &'a Editor<'d, 'd>,
    ) -> Self {
        let failing = CHECKS
            .iter()
            .filter(|c| {
                c.revisions
                    .iter()
                    .rev()
                    .find(|r| r.min_minor <= minor)
                    .is_some_and(|r| (r.check)(pod).is_some())
            })
            .map(|c| c.id)
            .collect();
        let effective = pod
            .spec
            .all_containers()
            .map(|c| {
                let mut e = effective(&pod.spec, c);
                e.image = image_user(images, c);
                e
            })
            .collect();
        Ctx {
            doc,
            workload,
            pod,
            minor,
            failing,
            effective,
            images,
            edit,
        }
    }

    /// Whether the controller's check `id` fails at the target version.
    pub fn pss_fails(&self, id: &str) -> bool {
        self.failing.contains(&id)
    }

    /// Containers (init, regular, ephemeral) with their effective contexts.
    pub fn containers(
        &self,
    ) -> impl Iterator<Item = (&'a Container<'d>, &EffectiveSecurityContext<'a, 'd>)> {
        self.pod.spec.all_containers().zip(self.effective.iter())
    }

    /// The pod's `securityContext` node, or the pod spec, or the object.
    pub fn pod_anchor(&self) -> NodeId {
        if let Some(sc) = &self.pod.spec.security_context {
            return self
                .key_of(self.pod.spec.node, "securityContext")
                .unwrap_or(sc.node);
        }
        self.pod.spec.node.unwrap_or(self.workload.root)
    }

    /// Where a container-level field belongs: the container's
    /// `securityContext` key when it has one, else its `name` key, else
    /// the container itself.
    pub fn container_anchor(&self, c: &Container<'_>) -> NodeId {
        self.key_of(Some(c.node), "securityContext")
            .or_else(|| self.key_of(Some(c.node), "name"))
            .unwrap_or(c.node)
    }

    /// The key node of `key` in mapping `map`.
    pub fn key_of(&self, map: Option<NodeId>, key: &str) -> Option<NodeId> {
        self.doc.get(map?, key).map(|(k, _)| k)
    }

    /// The raw value node of `key` in `map` (any type, aliases followed).
    pub fn raw(&self, map: Option<NodeId>, key: &str) -> Option<NodeId> {
        self.doc.get(map?, key).map(|(_, v)| v)
    }

    /// The string text of a scalar node.
    pub fn text(&self, node: NodeId) -> Option<&'d str> {
        match self.doc.kind(node) {
            NodeKind::Scalar(s) => Some(&s.text),
            _ => None,
        }
    }

    /// What the table knows of a base image, for messages.
    pub fn base_image(&self, reference: &str) -> Option<BaseImage> {
        crate::dockerfile::images::lookup(reference)
    }

    /// The edit that replaces a written scalar with `v`.
    pub fn replace(&self, node: NodeId, v: V) -> Result<Vec<Edit>, NoFix> {
        self.edit.replace_scalar(node, &v).map(|e| vec![e])
    }

    /// Edits that set `key` in a container's securityContext (created if
    /// absent).
    pub fn set_container(&self, c: &Container<'_>, key: &str, v: V) -> Result<Vec<Edit>, NoFix> {
        if !matches!(self.doc.kind(c.node), NodeKind::Map(_)) {
            return Err(NoFix("the container is not a mapping"));
        }
        self.edit.set(
            c.node,
            "securityContext",
            &V::Map(vec![(key.to_string(), v)]),
        )
    }

    /// Edits that set `key` in the pod's securityContext (created if absent).
    pub fn set_pod(&self, entries: Vec<(String, V)>) -> Result<Vec<Edit>, NoFix> {
        let Some(spec) = self.pod.spec.node else {
            return Err(NoFix("the pod template has no spec"));
        };
        self.edit.set(spec, "securityContext", &V::Map(entries))
    }

    /// Reports every profile (`pick`: seccomp or AppArmor) of the pod and
    /// of each container whose type is not `RuntimeDefault` or `Localhost`,
    /// with a fix that switches it to `RuntimeDefault`.
    pub fn report_weak_profiles(
        &self,
        out: &mut Sink,
        rule: &'static Rule,
        pick: for<'s> fn(&'s SecurityContext<'d>) -> Option<&'s Profile<'d>>,
        fix_title: &str,
    ) {
        let weak = |p: &&Profile<'_>| !matches!(p.type_str(), "RuntimeDefault" | "Localhost");
        let mut report = |p: &Profile<'_>, c: Option<&Container<'_>>| {
            let f = out.report(rule, p.type_.map_or(p.node, |t| t.node));
            match c {
                Some(c) => f.on_container(c).value(p.type_str(), Origin::Container),
                None => f
                    .on_pod()
                    .value(p.type_str(), self.pod_value_origin(|s| pick(s).is_some())),
            };
            f.arg("value", format!("{:?}", p.type_str())).fix(
                Applicability::Unsafe,
                fix_title,
                self.edit.set(p.node, "type", &V::str("RuntimeDefault")),
            );
        };
        if let Some(p) = self
            .pod
            .spec
            .security_context
            .as_ref()
            .and_then(pick)
            .filter(weak)
        {
            report(p, None);
        }
        for (c, _) in self.containers() {
            if let Some(p) = c.security_context.as_ref().and_then(pick).filter(weak) {
                report(p, Some(c));
            }
        }
    }

    /// The origin of a pod-level value of a field both levels have
    /// (`has` tells whether a securityContext sets it): `Overridden` when
    /// every container sets its own, so it applies to none of them.
    pub fn pod_value_origin(&self, has: impl Fn(&SecurityContext<'d>) -> bool) -> Origin {
        let mut all = self.pod.spec.all_containers().peekable();
        if all.peek().is_some() && all.all(|c| c.security_context.as_ref().is_some_and(&has)) {
            Origin::Overridden
        } else {
            Origin::Pod
        }
    }

    /// Why podsec leaves `change` to a person for container `c` (or, with
    /// `None`, for the pod as a whole), if it does. The same decisions hold
    /// for a rule's fix and for `fix --level`.
    pub fn human_decision(
        &self,
        c: Option<(&Container<'_>, &EffectiveSecurityContext<'_, '_>)>,
        change: Change,
    ) -> Option<&'static str> {
        if self.pod.spec.is_windows() {
            return Some(
                "a Windows pod: podsec writes no Linux-only field, and runAsNonRoot through windowsOptions.runAsUserName is not guessed",
            );
        }
        let (c, eff) = c?;
        if change != Change::Seccomp && eff.privileged.value.is_some_and(|v| v.v) {
            return Some("the container is privileged; removing privileged is a human decision");
        }
        let sys_admin = eff.capabilities.value.is_some_and(|k| {
            k.add
                .iter()
                .any(|a| a.v == "SYS_ADMIN" || a.v == "CAP_SYS_ADMIN")
        });
        if change == Change::Escalation && sys_admin {
            return Some(
                "the container adds SYS_ADMIN, which always allows privilege escalation; removing it is a human decision",
            );
        }
        if matches!(change, Change::User | Change::ReadOnlyRoot)
            && c.security_context
                .as_ref()
                .and_then(|s| s.run_as_user)
                .is_some_and(|u| u.v == 0)
        {
            return Some(
                "the container sets runAsUser: 0 on purpose; choosing another user is a human decision",
            );
        }
        None
    }

    /// `edits()`, unless `change` is a person's to make (see
    /// `human_decision`).
    pub fn unless_human(
        &self,
        c: Option<(&Container<'_>, &EffectiveSecurityContext<'_, '_>)>,
        change: Change,
        edits: impl FnOnce() -> Result<Vec<Edit>, NoFix>,
    ) -> Result<Vec<Edit>, NoFix> {
        match self.human_decision(c, change) {
            Some(why) => Err(NoFix(why)),
            None => edits(),
        }
    }

    /// Whether the target version runs a check (its first revision).
    pub fn check_runs(&self, id: &str) -> bool {
        pss::CHECKS
            .iter()
            .find(|c| c.id == id)
            .is_some_and(|c| c.revisions[0].min_minor <= self.minor)
    }
}

/// What a fix changes, for `Ctx::human_decision`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// allowPrivilegeEscalation.
    Escalation,
    /// runAsNonRoot, runAsUser, runAsGroup.
    User,
    ReadOnlyRoot,
    Capabilities,
    Seccomp,
}

/// One weakness found by a rule, before rendering.
#[derive(Clone, Debug)]
pub struct Finding {
    pub rule: &'static Rule,
    /// The offending node (or span), or where the missing field belongs.
    pub at: At,
    pub container: Option<String>,
    /// The effective value, for display (`None` when unset).
    pub value: Option<String>,
    pub origin: Origin,
    /// Message placeholders.
    pub args: Vec<(&'static str, Arg)>,
    /// CVEs specific to this finding (added to the rule's own).
    pub extra_cves: Vec<CveLink>,
    /// The edits that fix it, if the rule could build them.
    pub fix: Option<Fix>,
    /// Why the rule could not build a fix here.
    pub no_fix: Option<&'static str>,
    /// Where a fact in the message comes from, or the commands of a
    /// suggestion, for a `= note:` line (headlines stay short).
    pub note: Option<Arg>,
    /// For `image` and `implied` origins: where the value comes from.
    pub origin_detail: Option<Arg>,
}

/// Where a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum At {
    Node(NodeId),
    Span(DfSpan),
}

/// What a Dockerfile rule sees.
pub struct DockerCtx<'a> {
    pub df: &'a Dockerfile,
    pub text: &'a str,
    /// The final stage's user analysis (`None` when there is no stage).
    pub analysis: Option<&'a Analysis>,
}

/// A message placeholder's value.
#[derive(Clone, Debug)]
pub enum Arg {
    Plain(String),
    Tr { en: String, ko: String },
}

impl Arg {
    pub fn text(&self, lang: super::Lang) -> &str {
        match (self, lang) {
            (Arg::Plain(s), _) => s,
            (Arg::Tr { en, .. }, super::Lang::En) => en,
            (Arg::Tr { ko, .. }, super::Lang::Ko) => ko,
        }
    }
}

#[derive(Default)]
pub struct Sink {
    pub findings: Vec<Finding>,
}

impl Sink {
    /// Reports a finding; refine it with the builder methods.
    pub fn report(&mut self, rule: &'static Rule, node: NodeId) -> &mut Finding {
        self.report_at(rule, At::Node(node))
    }

    /// Reports a finding at a span of a Dockerfile.
    pub fn report_span(&mut self, rule: &'static Rule, span: DfSpan) -> &mut Finding {
        self.report_at(rule, At::Span(span))
    }

    fn report_at(&mut self, rule: &'static Rule, at: At) -> &mut Finding {
        self.findings.push(Finding {
            rule,
            at,
            container: None,
            value: None,
            origin: Origin::Default,
            args: Vec::new(),
            extra_cves: Vec::new(),
            fix: None,
            no_fix: None,
            note: None,
            origin_detail: None,
        });
        self.findings.last_mut().expect("just pushed")
    }
}

impl Finding {
    pub fn container(&mut self, c: &Container<'_>) -> &mut Self {
        self.container = Some(c.name.to_string());
        self.args
            .push(("container", Arg::Plain(c.name.to_string())));
        self
    }

    /// `{subject}` = `container "NAME"`, and the container is recorded.
    pub fn on_container(&mut self, c: &Container<'_>) -> &mut Self {
        self.container(c);
        self.arg_tr(
            "subject",
            &format!("container \"{}\"", c.name),
            &format!("컨테이너 \"{}\"", c.name),
        )
    }

    /// `{subject}` = the pod.
    pub fn on_pod(&mut self) -> &mut Self {
        self.arg_tr("subject", "the pod", "파드")
    }

    /// A placeholder whose text differs by language.
    pub fn arg_tr(&mut self, key: &'static str, en: &str, ko: &str) -> &mut Self {
        self.args.push((
            key,
            Arg::Tr {
                en: en.to_string(),
                ko: ko.to_string(),
            },
        ));
        self
    }

    /// The message placeholders in one language.
    pub fn args_in(&self, lang: super::Lang) -> Vec<(&'static str, String)> {
        self.args
            .iter()
            .map(|(k, a)| (*k, a.text(lang).to_string()))
            .collect()
    }

    pub fn value(&mut self, v: impl ToString, origin: Origin) -> &mut Self {
        self.value = Some(v.to_string());
        self.origin = origin;
        self
    }

    /// The effective value as the container really runs with it (the
    /// model's row for the field): implied by privileged, from the image,
    /// or the runtime default.
    pub fn effective(&mut self, row: Option<Row>) -> &mut Self {
        match row {
            Some(r) if r.origin != Origin::Default || r.value != serde_json::Value::Null => {
                self.value = Some(r.display);
                self.origin = r.origin;
                self.origin_detail = r.detail.map(Arg::Plain);
            }
            _ => {
                self.unset();
            }
        }
        self
    }

    /// Where an `image` or `implied` value comes from.
    pub fn origin_detail(&mut self, detail: impl ToString) -> &mut Self {
        self.origin_detail = Some(Arg::Plain(detail.to_string()));
        self
    }

    /// Where an `image` or `implied` value comes from, by language.
    pub fn origin_detail_tr(&mut self, en: &str, ko: &str) -> &mut Self {
        self.origin_detail = Some(Arg::Tr {
            en: en.to_string(),
            ko: ko.to_string(),
        });
        self
    }

    pub fn unset(&mut self) -> &mut Self {
        self.value = None;
        self.origin = Origin::Default;
        self.origin_detail = None;
        self
    }

    pub fn note(&mut self, note: impl ToString) -> &mut Self {
        self.note = Some(Arg::Plain(note.to_string()));
        self
    }

    /// A note whose text differs by language.
    pub fn note_tr(&mut self, en: &str, ko: &str) -> &mut Self {
        self.note = Some(Arg::Tr {
            en: en.to_string(),
            ko: ko.to_string(),
        });
        self
    }

    /// The note in one language.
    pub fn note_in(&self, lang: super::Lang) -> Option<String> {
        self.note.as_ref().map(|a| a.text(lang).to_string())
    }

    pub fn arg(&mut self, key: &'static str, v: impl ToString) -> &mut Self {
        self.args.push((key, Arg::Plain(v.to_string())));
        self
    }

    pub fn cves(&mut self, links: Vec<CveLink>) -> &mut Self {
        self.extra_cves.extend(links);
        self
    }

    /// Attaches a fix built from `edits`, or records why there is none.
    pub fn fix(
        &mut self,
        applicability: Applicability,
        title: impl Into<String>,
        edits: Result<Vec<Edit>, NoFix>,
    ) -> &mut Self {
        match edits {
            Ok(edits) if !edits.is_empty() => {
                let mut edits = edits;
                edits.sort_by_key(|e| (e.start, e.end));
                self.fix = Some(Fix {
                    title: title.into(),
                    applicability,
                    edits,
                });
            }
            Ok(_) => {}
            Err(NoFix(why)) => self.no_fix = Some(why),
        }
        self
    }
}
