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


def disclosure_metrics(t: dict, policy, first: date, as_of: date) -> list[MetricRow]:
    tz = policy.timezone
    p = policy.data["disclosures"]
    d = t["disclosures"].copy()
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
    d["accountable"] = ~(
        (d["recipient_type"] == "patient")
        | d["authorization_id"].notna()
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
    for compute in (request_metrics, consent_metrics, retention_metrics, disclosure_metrics):
        rows += compute(tables, policy, first, as_of)
    return rows
