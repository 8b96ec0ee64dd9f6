"""What a CRM admin does with a change-set: the import steps for each format.

Shown by ``territory export --help-import FORMAT``. ``FILE`` is the change-set written by
``export --out FILE``; the undo file beside it is applied the same way to roll back.
"""

from __future__ import annotations

COMMON = """\
Before importing: run the export again with --current (today's owners from the CRM) to
stop on accounts whose owner changed since the plan was solved, and try the file in a
sandbox first. Files are UTF-8 with LF line ends, header row first. To roll the batch
back, import FILE's undo file (<name>.undo.csv) the same way. Importing the same file
twice is harmless: it sets the same owners again.
"""

STEPS: dict[str, str] = {
    "generic": """\
generic: a CSV for spreadsheets and in-house tools (formula-like cells neutralised).
Columns: batch_id, seq, customer_id, account_id, old_owner, new_owner, old_owner_user,
new_owner_user, reason, forced_by. Apply new_owner_user to each account_id where the CRM still shows
old_owner_user (that is the drift check), in seq order.
""",
    "salesforce": """\
salesforce: Account update, columns Id,OwnerId.
Salesforce CLI (Bulk API 2.0):
  sf data update bulk --sobject Account --file FILE --wait 10 --target-org ORG
Data Loader:
  1. Update (not Insert or Upsert), object Account, choose FILE.
  2. Map Id -> Id and OwnerId -> OwnerId (Auto-Match Fields does this).
  3. Finish; check the success and error files Data Loader writes.
Which related records (contacts, opportunities) follow the account to its new owner is
the org's ownership-transfer behaviour for API updates; check it in the sandbox run.
""",
    "hubspot": """\
hubspot: company import, columns Record ID,Company owner (owner by email).
  1. CRM > Import > Start an import > File from computer > One file > One object.
  2. Object: Companies. Choose "Update existing companies" (update only, do not create).
  3. Upload FILE. Map "Record ID" to Record ID (the unique identifier) and
     "Company owner" to Company owner; owners are matched by the user's email.
  4. Finish the import and review its errors file.
""",
    "dynamics": """\
dynamics: Dynamics 365 / Dataverse Account update, columns accountid,ownerid (GUIDs).
Import Data wizard (Settings > Data Management > Imports, or Accounts > Import from CSV):
  1. Upload FILE; record type Account.
  2. Map accountid to Account (the primary key, so existing rows are updated) and
     ownerid to Owner (a user's systemuserid).
  3. Submit; check the import job for failures.
Or with the Web API: PATCH accounts(<accountid>) with
  {"ownerid@odata.bind": "/systemusers(<ownerid>)"} per row.
""",
    "odoo": """\
odoo: res.partner salesperson, columns .id,user_id/.id (database ids).
  1. Contacts, list view > gear (Actions) > Import records.
  2. Upload FILE; Odoo maps .id to "ID (database ID)" and user_id/.id to
     "Salesperson / Database ID".
  3. Test, then Import. Existing partners are updated by their database id.
Or with XML-RPC: res.partner.write([id], {"user_id": user}) per row.
""",
}


def import_steps(name: str) -> str:
    """The import steps of format ``name`` followed by what every format shares."""
    key = name.strip().lower()
    if key not in STEPS:
        raise KeyError(f"no import steps for {name!r}; formats: {', '.join(STEPS)}")
    return STEPS[key] + "\n" + COMMON
