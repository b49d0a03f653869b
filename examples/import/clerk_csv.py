"""Clerk's user export (CSV, dashboard → Users → Export) → Astapa's import rows (NDJSON).

python3 clerk_csv.py < clerk.csv > clerk.ndjson
"""
import csv
import json
import sys
from datetime import datetime, timezone

for row in csv.DictReader(sys.stdin):
    user = {
        "email": row["primary_email_address"],
        "email_verified": True,  # Clerk verifies a primary address before it becomes primary
        "external_id": row["id"],
    }
    name = " ".join(part for part in (row.get("first_name"), row.get("last_name")) if part)
    if name:
        user["name"] = name
    if row.get("first_name"):
        user["given_name"] = row["first_name"]
    if row.get("last_name"):
        user["family_name"] = row["last_name"]
    if row.get("username"):
        user["preferred_username"] = row["username"]
    if row.get("image_url"):
        user["picture"] = row["image_url"]
    # Express consent to the legal documents, where the export has it (Clerk's user object: Unix milliseconds).
    accepted = row.get("legal_accepted_at")
    if accepted:
        if accepted.isdigit():
            accepted = datetime.fromtimestamp(int(accepted) / 1000, timezone.utc).isoformat().replace("+00:00", "Z")
        user["legal_accepted_at"] = accepted
    if row.get("password_hasher") == "bcrypt" and row.get("password_digest"):
        user["password_hash"] = row["password_digest"]
    print(json.dumps(user))
