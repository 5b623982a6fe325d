"""Data: upload exports, see what each file was read as, correct the mapping, account for every row, and import
them into the team's workspace; the import history, with undo and each batch's rejected rows."""

from dataclasses import replace

import polars as pl
import streamlit as st
from streamlit.elements.lib.column_types import ColumnConfig

from analytics import i18n, normalize
from analytics.importing.converting import STEPS, VALUE_IGNORED
from analytics.importing.limits import run_limited
from analytics.importing.mapping import FIELDS, FILE_KINDS, REQUIRED, signature
from analytics.importing.pipeline import Upload, import_one
from analytics.importing.reading import BadFile
from analytics.importing.report import REJECTED
from analytics.people import person_spellings
from analytics.workspace import Incoming, WorkspaceBusy
from pages import _dataset, _settings, _view, _widgets

NONE = "—"
NOTICE = "_import_notice"  # what the last import or undo said, shown after the rerun it causes
CONFIRM = "_undo_confirm"  # the batch whose undo waits for a yes

v = _view.current()


def counted(frame: pl.DataFrame, *columns: str) -> pl.DataFrame:
    """The count columns written as the screen writes numbers (`3 325` on a Russian screen): a NumberColumn's
    "localized" format follows the browser's locale, so an English browser showed `3,325` on the Russian page."""
    return frame.with_columns(pl.Series(c, [i18n.number(x, v.lang) for x in frame[c]], dtype=pl.String)
                              for c in columns if c in frame.columns)


def count_column(label: str) -> ColumnConfig:
    """A column of counts written by `counted`, right-aligned like numbers."""
    return st.column_config.TextColumn(label, alignment="right")


st.title(v.t("data_title"))
_view.data_caption(v)
st.markdown(v.t("data_intro"))

uploader_key = _dataset.uploader_key()
st.file_uploader(v.t("upload_label"), accept_multiple_files=True, key=uploader_key, on_change=_dataset.on_upload,
                 args=(uploader_key,), help=v.t("upload_help"))
uploads, demo = _dataset.current_uploads()
for kind, text in st.session_state.pop(NOTICE, []):
    (st.success if kind == "success" else st.warning if kind == "warning" else st.error)(
        text, icon=":material/check:" if kind == "success" else ":material/info:")


def import_into_workspace(files: list[Upload]) -> None:
    """Parse every file in a limited child (a hostile file kills only the child), then store them as one batch.

    The files stay this session's preview until this succeeds; then the page shows the workspace."""
    notices: list[tuple[str, str]] = []
    try:
        memory = _dataset.memory()
        incoming = [Incoming.of(run_limited(import_one, upload, memory, name=upload.name), upload.content_digest)
                    for upload in files]
        result = _dataset.workspace().import_files(incoming)
    except BadFile as error:
        st.error(v.md("ws_not_imported", reason=i18n.importer_text(str(error), v.lang)), icon=":material/error:")
        return
    except WorkspaceBusy:
        st.warning(v.t("ws_busy"), icon=":material/hourglass_top:")
        return
    if result.batch_id is not None:
        notices.append(("success", v.md("ws_imported", batch=result.batch_id)))
    notices.extend(("warning", v.md("ws_already", file=outcome.name, batch=outcome.batch_id))
                   for outcome in result.files if outcome.already_imported)
    st.session_state[NOTICE] = notices
    _dataset.forget_uploads()
    st.rerun()


if not demo:
    left, right = st.columns([2, 3])
    if left.button(v.t("ws_import"), type="primary", icon=":material/database_upload:", help=v.t("ws_import_help")):
        import_into_workspace(uploads)
    if right.button(v.t("back_to_demo"), icon=":material/restart_alt:"):
        _dataset.forget_uploads()
        st.rerun()

bundle = v.data.bundle
for error in bundle.errors:
    st.error(_widgets.escape(i18n.importer_text(error, v.lang)), icon=":material/error:")


issue_columns = {"file": v.t("issue_file"), "row": v.t("issue_row"), "column": v.t("file_column"),
                 "value": v.t("issue_value"), "reason": st.column_config.TextColumn(v.t("issue_reason"), width="large"),
                 "action": v.t("issue_action")}


def blank_as_empty(issues: pl.DataFrame) -> pl.DataFrame:
    """An issue without a column or value (a whole row) shows an empty cell, not Streamlit's English `None`."""
    return issues.with_columns(pl.col(c).fill_null("") for c in ("column", "value") if c in issues.columns)


def set_upload(name: str, **changes: object) -> None:
    """Change what we know about one uploaded file (the demo files become the session's own on first edit)."""
    st.session_state["uploads"] = [replace(u, **changes) if u.name == name else u for u in uploads]


for index, imported in enumerate(bundle.files):
    upload = next(u for u in uploads if u.name == imported.name)
    # Widgets are keyed by the file's name AND content: another file under the same name starts afresh.
    file_key = f"{imported.name}_{upload.content_digest[:12]}"
    with st.container(border=True):
        st.subheader(_widgets.escape(imported.name))
        # The file's kind on a row of its own, its counts on the next: six columns cut "9 164" to "9,…" at 1024 px.
        kind = st.columns([2, 3])[0].selectbox(
            v.t("detected_as"), FILE_KINDS, index=FILE_KINDS.index(imported.kind),
            format_func=lambda k: v.t(f"kind_{k}"), key=f"kind_{file_key}")
        # Rerun only for a new choice: should the importer not honour it, asking again would loop forever.
        if kind != imported.kind and kind != upload.kind:
            set_upload(imported.name, kind=kind, overrides={})
            st.rerun()
        ignored = imported.issues.filter(pl.col("action") == VALUE_IGNORED).height
        top = st.columns(5)
        top[0].metric(v.t("rows_in_file"), i18n.number(imported.rows_in_file, v.lang))
        top[1].metric(v.t("rows_imported"), i18n.number(imported.imported, v.lang))
        top[2].metric(v.t("rows_skipped"), i18n.number(imported.skipped, v.lang), help=v.t("rows_skipped_help"))
        top[3].metric(v.t("rows_rejected"), i18n.number(imported.rejected, v.lang))
        top[4].metric(v.t("values_ignored"), i18n.number(ignored, v.lang))
        counts = {"file": imported.format.upper(), "rows": i18n.number(imported.rows_in_file, v.lang),
                  "ok": i18n.number(imported.imported, v.lang), "bad": i18n.number(imported.rejected, v.lang)}
        if imported.skipped:
            st.caption(v.t("accounted_skipped", skipped=i18n.number(imported.skipped, v.lang), **counts))
        else:
            st.caption(v.t("accounted", **counts))
        for warning in i18n.importer_texts(imported.warnings, v.lang):
            st.warning(_widgets.escape(warning), icon=":material/warning:")
        if imported.guesses:
            st.markdown("**" + v.t("guessed") + "**")
            st.markdown("\n".join(f"- {_widgets.escape(g)}" for g in i18n.importer_texts(imported.guesses, v.lang)))

        headers = list(imported.samples)
        mapping = pl.DataFrame({
            "field": list(FIELDS[imported.kind]),
            "label": [v.t(f"col_{f}") if f"col_{f}" in i18n.STRINGS else f for f in FIELDS[imported.kind]],
            "required": [f in REQUIRED[imported.kind] for f in FIELDS[imported.kind]],
            "column": [imported.mapping.get(f) or NONE for f in FIELDS[imported.kind]],
            "sample": [", ".join(map(str, imported.samples.get(imported.mapping.get(f) or "", [])))
                       for f in FIELDS[imported.kind]],
        })
        st.markdown("**" + v.t("mapping") + "**")
        edited = st.data_editor(
            mapping, hide_index=True, width="stretch", key=f"mapping_{file_key}",
            height=35 * (mapping.height + 1) + 3,
            # The field's key (`lead_id`) is for scripts and the CLI: a reader has its meaning, the keys in the help.
            # The column the user sets comes right after the meaning: on a phone it is in view without scrolling.
            column_order=("label", "column", "required", "sample"),
            disabled=["field", "label", "required", "sample"],
            column_config={
                "field": st.column_config.TextColumn(v.t("field"), width="small"),
                "label": st.column_config.TextColumn(v.t("meaning"), help=v.t(
                    "field_keys_help", keys=", ".join(FIELDS[imported.kind]))),
                "required": st.column_config.CheckboxColumn(v.t("required"), width="small"),
                "column": st.column_config.SelectboxColumn(v.t("file_column"), options=[NONE, *headers],
                                                           required=True),
                "sample": st.column_config.TextColumn(v.t("sample")),
            },
        )
        chosen = dict(zip(edited["field"], edited["column"], strict=True))
        changed = chosen != dict(zip(mapping["field"], mapping["column"], strict=True))
        if changed and st.button(v.t("apply_mapping"), key=f"apply_{file_key}", icon=":material/check:",
                                 type="primary"):
            overrides = {f: (None if h == NONE else h) for f, h in chosen.items()}
            saved = _settings.load(_dataset.MAPPINGS, {})
            saved[signature(headers, imported.kind)] = overrides
            if _settings.save_setting(_dataset.MAPPINGS, saved):
                set_upload(imported.name, kind=imported.kind, overrides=overrides)
                st.rerun()

        if imported.stage_values is not None and imported.stage_column:
            st.markdown("**" + v.t("stages") + "**")
            st.caption(v.t("stages_help"))
            steps = st.data_editor(
                counted(imported.stage_values, "rows"), hide_index=True, width="stretch", key=f"stages_{file_key}",
                disabled=["value", "rows"], column_order=("value", "step", "rows"),  # the step to set beside its stage
                column_config={
                    "value": st.column_config.TextColumn(v.t("stage_value")),
                    "rows": count_column(v.t("count")),
                    "step": st.column_config.SelectboxColumn(v.t("stage_step"), options=list(STEPS), required=True,
                                                             help=v.t("stages_help"),
                                                             format_func=lambda step: v.t(f"step_{step}")),
                },
            )
            new_steps = dict(zip(steps["value"], steps["step"], strict=True))
            if new_steps != dict(zip(imported.stage_values["value"], imported.stage_values["step"], strict=True)) \
                    and st.button(v.t("apply_stages"), key=f"apply_stages_{file_key}", icon=":material/check:"):
                saved = _settings.load(_dataset.STAGE_STEPS, {})
                saved[imported.stage_column] = {**saved.get(imported.stage_column, {}), **new_steps}
                if _settings.save_setting(_dataset.STAGE_STEPS, saved):
                    set_upload(imported.name, kind=imported.kind,
                               step_maps={**upload.step_maps, imported.stage_column: new_steps})
                    st.rerun()

        if not imported.issues.is_empty():
            with st.expander(v.t("issues", n=i18n.number(imported.issues.height, v.lang)), icon=":material/rule:"):
                issues = i18n.importer_issues(imported.issues, v.lang)  # the reasons in the reader's language
                st.dataframe(blank_as_empty(issues.head(2000)), hide_index=True, width="stretch",
                             column_config=issue_columns)
                _widgets.downloads(issues, f"issues_{index}", v.lang)

if v.data.model.warnings:
    with st.expander(v.t("warnings", n=len(v.data.model.warnings)), icon=":material/warning:"):
        for warning in i18n.importer_texts(v.data.model.warnings, v.lang):
            st.text(warning)

# People: one person, several spellings (telephony "205 (Иванов)" and CRM "Иванов Иван").
st.subheader(v.t("people_title"))
st.caption(v.t("people_help"))
raw = bundle.dataset
counts = person_spellings(raw.calls, raw.leads)
crm_names = sorted(counts.filter(pl.col("leads") > 0)["name"].to_list())
people_aliases = _settings.load(_dataset.PERSON_ALIASES, {})
suggested = _dataset.suggest_people(counts["name"].to_list(), crm_names)
people = counts.with_columns(pl.Series("same_as", [people_aliases.get(n) or suggested.get(n) or NONE
                                                   for n in counts["name"]], dtype=pl.String))
edited_people = st.data_editor(
    counted(people, "calls", "leads"), hide_index=True, width="stretch", key="people_editor",
    disabled=["name", "calls", "leads"],
    column_config={
        "name": v.t("spelling"), "calls": count_column(v.t("calls")), "leads": count_column(v.t("leads")),
        "same_as": st.column_config.SelectboxColumn(v.t("same_as"), options=[NONE, *crm_names], required=True),
    },
)
merges = {n: s for n, s in zip(edited_people["name"], edited_people["same_as"], strict=True) if s not in (NONE, n)}
if merges != people_aliases and st.button(v.t("save_people"), icon=":material/merge:") \
        and _settings.save_setting(_dataset.PERSON_ALIASES, merges):
    st.rerun()

# Sources: raw spellings and what they count as (SPEC §4).
SOURCE_ROWS_SHOWN = 20
st.subheader(v.t("sources_alias_title"))
st.caption(v.t("sources_alias_help"))
source_aliases = _settings.load(_dataset.SOURCE_ALIASES, {})
spellings = raw.leads.group_by(normalize.text(pl.col("source")).alias("raw")).len("leads").sort(
    "leads", descending=True).with_columns(
    normalize.source(pl.col("raw"), source_aliases).alias("counted_as")).with_columns(
    pl.col("raw").fill_null(""))
# The empty spelling counts as `unknown`; the table says «не указан» / "not set", and saving keeps `unknown`.
not_set = i18n.source_label(normalize.UNKNOWN_SOURCE, v.lang)
spellings = spellings.with_columns(pl.col("counted_as").replace(normalize.UNKNOWN_SOURCE, not_set))
# Tall enough for every spelling (a floor has a dozen or so): the last rows, «не указан» among them, in view without
# scrolling inside the table; a long list scrolls past SOURCE_ROWS_SHOWN.
edited_sources = st.data_editor(
    counted(spellings, "leads"), hide_index=True, width="stretch", key="sources_editor", disabled=["raw", "leads"],
    height=35 * (min(spellings.height, SOURCE_ROWS_SHOWN) + 1) + 3,
    column_config={"raw": v.t("raw_source"), "leads": count_column(v.t("leads")),
                   "counted_as": v.t("counted_as")},
)
automatic = spellings.with_columns(normalize.source(pl.col("raw")).alias("auto"))
stored = edited_sources["counted_as"].replace(not_set, normalize.UNKNOWN_SOURCE)
aliases = {r: c for r, c, a in zip(edited_sources["raw"], stored, automatic["auto"],
                                   strict=True) if r and c and c != a}
if aliases != source_aliases and st.button(v.t("save_sources"), icon=":material/save:") \
        and _settings.save_setting(_dataset.SOURCE_ALIASES, aliases):
    st.rerun()


# ---- the import history: what each batch brought, its rejected rows, and undo ----------------------------------
st.subheader(v.t("ws_history"))
workspace = _dataset.workspace()
history = workspace.history()
if not history:
    st.caption(v.t("ws_history_empty"))
for batch in reversed(history):
    batch_id = batch["batch_id"]
    with st.container(border=True):
        st.markdown("**" + v.md("ws_batch", batch=batch_id, when=batch["imported_at"].replace("T", " ")) + "**")
        st.dataframe(counted(pl.DataFrame([{
            "name": f["name"], "kind": v.t(f"kind_{f['kind']}") if f"kind_{f['kind']}" in i18n.STRINGS else f["kind"],
            "read": f["rows_read"], "imported": f["rows_imported"], "skipped": f["rows_skipped"],
            "rejected": f["rows_rejected"]} for f in batch["files"]]), "read", "imported", "skipped", "rejected"),
            hide_index=True, width="stretch",
            key=f"batch_files_{batch_id}", column_config={
                "name": v.t("ws_file"), "kind": v.t("ws_kind"),
                "read": count_column(v.t("ws_rows_read")), "imported": count_column(v.t("rows_imported")),
                "skipped": count_column(v.t("rows_skipped")), "rejected": count_column(v.t("rows_rejected"))})
        if batch["rows"]:
            st.dataframe(counted(pl.DataFrame([{"stream": v.t(f"kind_{name}") if f"kind_{name}" in i18n.STRINGS
                                                else name, **counts} for name, counts in batch["rows"].items()]),
                                 "new", "updated", "unchanged"),
                         hide_index=True, key=f"batch_rows_{batch_id}", column_config={
                             "stream": v.t("ws_stream"),
                             "new": count_column(v.t("ws_new")), "updated": count_column(v.t("ws_updated")),
                             "unchanged": count_column(v.t("ws_unchanged"))})
        if sum(f["rows_rejected"] for f in batch["files"]):
            rejected = i18n.importer_issues(workspace.issues(batch_id).filter(pl.col("action") == REJECTED), v.lang)
            with st.expander(v.t("ws_rejected_rows", batch=batch_id, n=i18n.number(rejected.height, v.lang)),
                             icon=":material/rule:"):
                st.dataframe(blank_as_empty(rejected.head(2000)), hide_index=True, width="stretch",
                             column_config=issue_columns)
                _widgets.downloads(rejected, f"rejected_batch_{batch_id}", v.lang)
        if st.session_state.get(CONFIRM) == batch_id:
            st.warning(v.t("ws_undo_confirm", batch=batch_id), icon=":material/undo:")
            yes, no, _ = st.columns([1, 1, 3])
            if yes.button(v.t("ws_undo_yes", batch=batch_id), key=f"undo_yes_{batch_id}", type="primary"):
                st.session_state.pop(CONFIRM, None)
                try:
                    workspace.undo(batch_id)
                    st.session_state[NOTICE] = [("success", v.t("ws_undone", batch=batch_id))]
                except WorkspaceBusy:
                    st.session_state[NOTICE] = [("warning", v.t("ws_busy"))]
                except KeyError:  # another session undid it first: the history below is then up to date
                    pass
                st.rerun()
            if no.button(v.t("ws_undo_no"), key=f"undo_no_{batch_id}"):
                st.session_state.pop(CONFIRM, None)
                st.rerun()
        elif st.button(v.t("ws_undo", batch=batch_id), key=f"undo_{batch_id}", icon=":material/undo:"):
            st.session_state[CONFIRM] = batch_id
            st.rerun()
