"""Clerk's user export (CSV, dashboard → Users → Export) → Astapa's import rows (NDJSON).

python3 clerk_csv.py < clerk.csv > clerk.ndjson
"""
import csv
import json
import sys

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
    if row.get("password_hasher") == "bcrypt" and row.get("password_digest"):
        user["password_hash"] = row["password_digest"]
    print(json.dumps(user))
