"""The obvious alternative: every monthly metric computed with pandas.

Loads whole tables into DataFrames, then merges and groups, the way an analyst would
write it in a notebook. It is the benchmark's baseline, and, run on the validated tables,
a second, independent computation of the figures that a test compares with DuckDB's.
"""

from __future__ import annotations

import re
from datetime import date

import numpy as np
import pandas as pd

from analytics.business_days import holiday_dates
from analytics.run.metrics_json import MetricRow


def local_date(ts: pd.Series, tz: str) -> pd.Series:
    """Local calendar dates of UTC timestamps, as datetime64 at midnight."""
    return pd.to_datetime(ts, utc=True).dt.tz_convert(tz).dt.tz_localize(None).dt.normalize()


def _rows(frame: pd.DataFrame, prefix: str, names: list[str]) -> list[MetricRow]:
    out = []
    for name in names:
        for segment, value in frame[name].items():
            if pd.isna(value):
                value = None
            elif float(value).is_integer() and "median" not in name and "p95" not in name:
                value = int(value)
            else:
                value = float(value)
            out.append({"metric": f"{prefix}.{name}", "segment": segment, "value": value})
    return out


def _with_all(frame: pd.DataFrame, key: str) -> pd.DataFrame:
    both = pd.concat([frame.assign(segment=frame[key]), frame.assign(segment="all")])
    return both


def request_metrics(t: dict, policy, first: date, as_of: date) -> list[MetricRow]:
    tz = policy.timezone
    r = t["requests"].copy()
    r["received"] = local_date(r["received_at"], tz)
    r["closed"] = local_date(r["closed_at"], tz)
    r["extended"] = local_date(r["extended_at"], tz)
    deadlines = pd.DataFrame(policy.data["requests"]["deadlines"])
    specific = deadlines[deadlines["regime"] != "*"]
    either = deadlines[deadlines["regime"] == "*"].drop(columns="regime")
    r = r.merge(specific, on=["regime", "request_type"], how="left")
    missing = r["days"].isna()
    if missing.any():
        fill = r.loc[missing, ["request_type"]].merge(either, on="request_type", how="left")
        for col in ("days", "unit", "extension"):
            r.loc[missing, col] = fill[col].to_numpy()
    lo, hi = r["received"].min(), max(r["received"].max(), pd.Timestamp(as_of))
    holidays = [d for d, _ in holiday_dates(policy, lo.year, hi.year + 2)]
    days = r["days"].astype(int).to_numpy()
    ext = r["extension"].astype(int).to_numpy()
    received = r["received"].to_numpy().astype("datetime64[D]")
    business = (r["unit"] == "business").to_numpy()
    cal_due = received + days.astype("timedelta64[D]")
    bus_due = np.busday_offset(received, days, roll="backward", holidays=holidays)
    original = np.where(business, bus_due, cal_due)
    extended = r["extended"].to_numpy().astype("datetime64[D]")
    valid = (ext > 0) & ~np.isnat(extended) & (extended <= original)
    cal_ext = original + ext.astype("timedelta64[D]")
    bus_ext = np.busday_offset(received, days + ext, roll="backward", holidays=holidays)
    r["due"] = pd.to_datetime(np.where(valid, np.where(business, bus_ext, cal_ext), original))
    r["valid_extension"] = valid
    f, a = pd.Timestamp(first), pd.Timestamp(as_of)
    r["is_closed"] = r["closed"].between(f, a) & (r["outcome"] != "withdrawn")
    r["on_time"] = r["closed"] <= r["due"]
    r["days_to_close"] = (r["closed"] - r["received"]).dt.days
    both = _with_all(r, "request_type")
    g = both.groupby("segment")
    frame = pd.DataFrame(
        {
            "received": g.apply(lambda x: x["received"].between(f, a).sum()),
            "closed": g["is_closed"].sum(),
            "withdrawn": g.apply(
                lambda x: (x["closed"].between(f, a) & (x["outcome"] == "withdrawn")).sum()
            ),
            "closed_on_time": g.apply(lambda x: (x["is_closed"] & x["on_time"]).sum()),
            "extended": g.apply(lambda x: (x["is_closed"] & x["valid_extension"]).sum()),
            "open_overdue": g.apply(
                lambda x: (
                    (x["received"] <= a) & (x["closed"].isna() | (x["closed"] > a)) & (x["due"] < a)
                ).sum()
            ),
            "median_days_to_close": g.apply(
                lambda x: x.loc[x["is_closed"], "days_to_close"].median()
            ),
        }
    )
    frame["on_time_rate"] = frame["closed_on_time"] / frame["closed"].replace(0, np.nan)
    return _rows(frame, "requests", list(frame.columns))


def _pattern(words: list[str]) -> re.Pattern:
    parts = sorted(
        (r"\s+".join(re.escape(p) for p in w.lower().split()) for w in words), key=len, reverse=True
    )
    return re.compile(r"\b(?:" + "|".join(parts) + r")\b")


def consent_metrics(t: dict, policy, first: date, as_of: date) -> list[MetricRow]:
    tz = policy.timezone
    c = policy.data["consent"]
    f, a = pd.Timestamp(first), pd.Timestamp(as_of)
    ev = t["consent_events"].copy()
    ev["local"] = local_date(ev["occurred_at"], tz)
    ev["hours"] = (ev["processed_at"] - ev["occurred_at"]).dt.total_seconds() / 3600
    month = ev[ev["local"].between(f, a)]
    both = _with_all(month, "channel")
    g = both.groupby("segment")
    outs = both[both["action"] == "opt_out"].groupby("segment")
    frame = pd.DataFrame(
        {
            "opt_ins": g.apply(lambda x: (x["action"] == "opt_in").sum()),
            "opt_outs": g.apply(lambda x: (x["action"] == "opt_out").sum()),
        }
    )
    frame["optout_hours_median"] = outs["hours"].quantile(0.5)
    frame["optout_hours_p95"] = outs["hours"].quantile(0.95)
    frame["optouts_late"] = outs.apply(
        lambda x: (x["processed_at"].isna() | (x["hours"] > c["optout_processing_hours"])).sum()
    )
    m = t["messages"].copy()
    m["local"] = local_date(m["sent_at"], tz)
    mk = m[(m["direction"] == "outbound") & (m["purpose"] == "marketing")]
    mk = mk[mk["local"].between(f, a)].sort_values("sent_at")
    changes = ev[ev["purpose"].isin(["marketing", "all"])]
    state = (
        changes.groupby(["patient_id", "channel", "occurred_at"])["action"]
        .agg(lambda s: "opt_out" if (s == "opt_out").any() else "opt_in")
        .rename("state")
        .reset_index()
        .sort_values("occurred_at")
    )
    joined = pd.merge_asof(
        mk,
        state,
        left_on="sent_at",
        right_on="occurred_at",
        by=["patient_id", "channel"],
        direction="backward",
    )
    jb = _with_all(joined, "channel").groupby("segment")
    frame["marketing_after_optout"] = jb.apply(lambda x: (x["state"] == "opt_out").sum())
    frame["marketing_without_consent"] = jb.apply(lambda x: x["state"].isna().sum())
    inbound = m[(m["direction"] == "inbound") & (m["channel"] == "sms") & m["local"].between(f, a)]
    body = inbound["body"].fillna("").str.lower()
    withdraw = body.map(lambda b: bool(_pattern(c["withdrawal_words"]).search(b)))
    help_ = ~withdraw & body.map(lambda b: bool(_pattern(c["help_words"]).search(b)))
    sources = set(ev.loc[ev["action"] == "opt_out", "source_message_id"].dropna())
    missed = int((withdraw & ~inbound["message_id"].isin(sources)).sum())
    helps = inbound[help_].sort_values("sent_at")
    replies = m[
        (m["direction"] == "outbound") & (m["channel"] == "sms") & (m["purpose"] == "help_reply")
    ].sort_values("sent_at")
    answered = pd.merge_asof(
        helps,
        replies[["patient_id", "sent_at"]].rename(columns={"sent_at": "replied_at"}),
        left_on="sent_at",
        right_on="replied_at",
        by="patient_id",
        direction="forward",
    )
    late = answered["replied_at"].isna() | (
        answered["replied_at"] > answered["sent_at"] + pd.Timedelta(minutes=c["help_reply_minutes"])
    )
    for seg in frame.index:
        sms = seg in ("sms", "all")
        frame.loc[seg, "missed_keyword_optouts"] = missed if sms else np.nan
        frame.loc[seg, "help_requests"] = len(helps) if sms else np.nan
        frame.loc[seg, "help_unanswered"] = int(late.sum()) if sms else np.nan
    rows = _rows(
        frame.fillna({"marketing_after_optout": 0, "marketing_without_consent": 0}),
        "consent",
        list(frame.columns),
    )
    return [r for r in rows if r["value"] is not None or "hours" in r["metric"]]


def retention_metrics(t: dict, policy, first: date, as_of: date) -> list[MetricRow]:
    tz = policy.timezone
    p = policy.data["retention"]
    r = t["records"].copy()
    r["created"] = local_date(r["created_at"], tz)
    r["last"] = local_date(r["last_activity_at"], tz)
    r["disposed"] = local_date(r["disposed_at"], tz)
    keep = r["record_class"].map({k: v["keep_years"] for k, v in p["classes"].items()})
    by = r["record_class"].map({k: v["dispose_by_years"] for k, v in p["classes"].items()})

    def plus_years(dates: pd.Series, years: pd.Series) -> pd.Series:
        return pd.Series(
            [
                d + pd.DateOffset(years=int(y)) if pd.notna(d) else pd.NaT
                for d, y in zip(dates, years, strict=True)
            ],
            index=dates.index,
        )

    end = plus_years(r["last"], keep)
    birth = pd.to_datetime(r["birth_date"])
    minor = (
        (r["record_class"] == "medical")
        & birth.notna()
        & (
            plus_years(birth.fillna(pd.Timestamp("1900-01-01")), pd.Series(18, index=r.index))
            > r["last"]
        )
    )
    nineteenth = plus_years(
        birth.fillna(pd.Timestamp("1900-01-01")), pd.Series(p["minors_until_age"], index=r.index)
    )
    r["end"] = end.where(~minor, np.maximum(end, nineteenth))
    r["due"] = np.maximum(r["end"], plus_years(r["last"], by)) + pd.Timedelta(days=p["grace_days"])
    f, a = pd.Timestamp(first), pd.Timestamp(as_of)
    held = (r["created"] <= a) & (r["disposed"].isna() | (r["disposed"] > a))
    gone = r["disposed"].between(f, a)
    r["held"] = held
    r["overdue_disposal"] = held & ~r["legal_hold"] & (r["due"] < a)
    r["premature_disposals"] = gone & (r["disposed"] < r["end"])
    r["disposed_under_hold"] = gone & r["legal_hold"]
    r["due_next_90_days"] = (
        held & ~r["legal_hold"] & (r["due"] > a) & (r["due"] <= a + pd.Timedelta(days=90))
    )
    names = [
        "held",
        "overdue_disposal",
        "premature_disposals",
        "disposed_under_hold",
        "due_next_90_days",
    ]
    frame = _with_all(r, "record_class").groupby("segment")[names].sum()
    return _rows(frame, "retention", names)


def _codes(text) -> list[str]:
    """A comma-separated list of codes: elements trimmed, lower-cased, empties dropped."""
    if text is None or (not isinstance(text, str) and pd.isna(text)):
        return []
    return [e.strip().lower() for e in text.split(",") if e.strip()]


def _missing(value) -> bool:
    return value is None or (not isinstance(value, str) and pd.isna(value))


def _defect(r) -> str | None:
    """An authorization's first defect, in the spec's order."""
    if not r.purpose_list:
        return "no_purpose"
    if _missing(r.recipient_type) and _missing(r.recipient_name):
        return "no_recipient"
    if not r.category_list:
        return "no_information"
    if pd.isna(r.expires):
        return "no_end_date"
    if "sale" in r.purpose_list and not r.states_remuneration:
        return "remuneration_not_stated"
    if r.regime == "mhmda" and r.expires > r.anniversary:
        return "over_one_year"
    return None


def authorization_checks(t: dict, policy) -> pd.DataFrame:
    """Each authorization with its local dates, lists, anniversary, end date and defect."""
    tz = policy.timezone
    a = t["authorizations"].copy()
    a["signed"] = local_date(a["signed_at"], tz)
    a["revoked"] = local_date(a["revoked_at"], tz)
    a["expires"] = pd.to_datetime(a["expires_on"])
    years = int(policy.data["authorizations"]["mhmda_years"])
    # pandas' year offset takes 29 February to 28 February
    a["anniversary"] = [d + pd.DateOffset(years=years) for d in a["signed"]]
    a["purpose_list"] = a["purposes"].map(_codes)
    a["category_list"] = a["data_categories"].map(_codes)
    a["defect"] = [_defect(r) for r in a.itertuples()]
    mhmda = a["regime"] == "mhmda"
    a["ends"] = a["expires"].where(~mhmda, a[["expires", "anniversary"]].min(axis=1))
    return a


def _reason(d, a, tz: str) -> str | None:
    """A disclosure's first reason not to be validly authorized (None: valid or none cited)."""
    if _missing(d.authorization_id):
        return None
    if a is None:
        return "unknown"
    if a.patient_id != d.patient_id:
        return "other_patient"
    disclosed = pd.Timestamp(d.disclosed_at)
    if disclosed < pd.Timestamp(a.signed_at):
        return "before_signature"
    if not pd.isna(a.revoked_at) and disclosed >= pd.Timestamp(a.revoked_at):
        return "revoked"
    local = disclosed.tz_convert(tz).tz_localize(None).normalize()
    if not pd.isna(a.expires) and local > a.expires:
        return "expired"
    cats = set(_codes(d.data_categories))
    recipient_name = (
        not _missing(a.recipient_name)
        and str(a.recipient_name).strip().lower() != str(d.recipient_name).strip().lower()
    )
    if (
        d.purpose not in a.purpose_list
        or (not _missing(a.recipient_type) and a.recipient_type != d.recipient_type)
        or recipient_name
        or not cats <= set(a.category_list)
    ):
        return "out_of_scope"
    if not _missing(a.defect):
        return "defective"
    return None


def authorized(t: dict, policy) -> pd.DataFrame:
    """Every disclosure with its reason and the regime of the authorization it cites."""
    a = authorization_checks(t, policy)
    by_id = {r.authorization_id: r for r in a.itertuples()}
    d = t["disclosures"].copy()
    found = [by_id.get(x) if not _missing(x) else None for x in d["authorization_id"]]
    d["reason"] = [
        _reason(r, f, policy.timezone) for r, f in zip(d.itertuples(), found, strict=True)
    ]
    d["regime"] = [None if f is None else f.regime for f in found]
    return d


def authorization_metrics(t: dict, policy, first: date, as_of: date) -> list[MetricRow]:
    """The seven authorizations metrics of one month."""
    if "authorizations" not in t:
        return []
    tz = policy.timezone
    f, a_day = pd.Timestamp(first), pd.Timestamp(as_of)
    a = authorization_checks(t, policy)
    regimes = sorted(a["regime"].unique())
    a["in_force"] = (
        a["defect"].isna() & (a["signed"] <= a_day) & (a["revoked"].isna() | (a["revoked"] > a_day))
    )
    horizon = int(policy.data["authorizations"]["expiring_days"])
    a["expiring"] = (
        a["in_force"] & (a["ends"] > a_day) & (a["ends"] <= a_day + pd.Timedelta(days=horizon))
    )
    signed = a["signed"].between(f, a_day)
    revoked = a["revoked"].between(f, a_day)
    out: list[MetricRow] = []
    for name, mask in (
        ("signed", signed),
        ("revoked", revoked),
        ("expiring_next_30_days", a["expiring"]),
    ):
        for regime in regimes:
            n = int((mask & (a["regime"] == regime)).sum())
            out.append({"metric": f"authorizations.{name}", "segment": regime, "value": n})
        out.append({"metric": f"authorizations.{name}", "segment": "all", "value": int(mask.sum())})
    defects = a.loc[signed & a["defect"].notna(), "defect"].value_counts()
    out += [
        {"metric": "authorizations.defective", "segment": k, "value": int(v)}
        for k, v in defects.items()
    ]
    out.append(
        {"metric": "authorizations.defective", "segment": "all", "value": int(defects.sum())}
    )
    d = authorized(t, policy)
    cites = d["authorization_id"].notna()
    purposes = sorted(d.loc[cites, "purpose"].unique())
    d["local"] = local_date(d["disclosed_at"], tz)
    month = d[d["local"].between(f, a_day)]
    checked = month[month["authorization_id"].notna()]
    for purpose in purposes:
        n = int((checked["purpose"] == purpose).sum())
        out.append({"metric": "authorizations.disclosures_checked", "segment": purpose, "value": n})
    out.append(
        {"metric": "authorizations.disclosures_checked", "segment": "all", "value": len(checked)}
    )
    reasons = checked["reason"].dropna().value_counts()
    out += [
        {"metric": "authorizations.disclosures_invalid", "segment": k, "value": int(v)}
        for k, v in reasons.items()
    ]
    out.append(
        {
            "metric": "authorizations.disclosures_invalid",
            "segment": "all",
            "value": int(reasons.sum()),
        }
    )
    patients = t.get("patients")
    wa = set()
    if patients is not None:
        wa = set(
            patients.loc[patients["state"].fillna("").str.strip().str.upper() == "WA", "patient_id"]
        )
    valid_mhmda = (
        month["authorization_id"].notna() & month["reason"].isna() & (month["regime"] == "mhmda")
    )
    wa_sales = (month["purpose"] == "sale") & month["patient_id"].isin(wa) & ~valid_mhmda
    out.append(
        {
            "metric": "authorizations.wa_sales_without_mhmda",
            "segment": "all",
            "value": int(wa_sales.sum()),
        }
    )
    return out


def disclosure_metrics(t: dict, policy, first: date, as_of: date) -> list[MetricRow]:
    tz = policy.timezone
    p = policy.data["disclosures"]
    d = authorized(t, policy) if "authorizations" in t else t["disclosures"].copy()
    d["local"] = local_date(d["disclosed_at"], tz)
    f, a = pd.Timestamp(first), pd.Timestamp(as_of)
    d = d[d["local"].between(f, a)].reset_index(drop=True)
    v = t["vendors"].copy()
    for col in ("baa_signed_on", "baa_ended_on"):
        v[col] = pd.to_datetime(v[col])
    j = d[["disclosure_id", "vendor_id", "local"]].merge(v, on="vendor_id", how="left")
    ok = (j["baa_signed_on"] <= j["local"]) & (
        j["baa_ended_on"].isna() | (j["baa_ended_on"] > j["local"])
    )
    covered = set(j.loc[ok, "disclosure_id"])
    ba = d["recipient_type"] == "business_associate"
    d["total"] = True
    # with the authorizations log, only a valid authorization leaves a disclosure out
    under_authorization = d["authorization_id"].notna()
    if "reason" in d:
        under_authorization &= d["reason"].isna()
    d["accountable"] = ~(
        (d["recipient_type"] == "patient")
        | under_authorization
        | d["purpose"].isin(p["non_accountable_purposes"])
    )
    d["ba_without_baa"] = ba & ~d["disclosure_id"].isin(covered)
    d["marketing_without_authorization"] = (
        d["purpose"].isin(p["authorization_required_purposes"]) & d["authorization_id"].isna()
    )
    d["sms_data_shared"] = d["data_categories"].str.split(",").map(
        lambda cats: "sms_phone" in cats
    ) & (d["recipient_type"] != "patient")
    d["to_business_associates"] = ba
    names = [
        "total",
        "accountable",
        "ba_without_baa",
        "marketing_without_authorization",
        "sms_data_shared",
        "to_business_associates",
    ]
    frame = _with_all(d, "purpose").groupby("segment")[names].sum()
    return _rows(frame, "disclosures", names)


def all_metrics(tables: dict[str, pd.DataFrame], policy, first: date, as_of: date):
    """Every metric the baseline computes, for one month."""
    rows = []
    for compute in (
        request_metrics,
        consent_metrics,
        retention_metrics,
        disclosure_metrics,
        authorization_metrics,
    ):
        rows += compute(tables, policy, first, as_of)
    return rows
