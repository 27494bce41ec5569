"""The demo's staff (a login for each role at each office) and its consumers' accounts."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from .. import auth
from ..codes import AccountStatus, Area, BillingSystem

if TYPE_CHECKING:
    from .build import Generator

# role -> (office level it sits at, how many per office, password)
STAFF_PLAN: dict[str, tuple[str, int, str]] = {
    "TR-SDC": ("subdivision", 2, "clerk@123"),
    "TR-SDO": ("subdivision", 1, "sdo@123"),
    "TR-OPR": ("subdivision", 1, "counter@123"),
    "TR-EE": ("division", 1, "ee@123"),
    "TR-ACC": ("division", 1, "acc@123"),
    "TR-SE": ("circle", 1, "se@123"),
    "TR-CE": ("zone", 1, "ce@123"),
    "TR-DIRC": ("discom", 1, "dirc@123"),
    "TR-ADM": ("discom", 1, "admin@123"),
}

FIRST = ("Ram", "Shyam", "Sita", "Geeta", "Mohan", "Rakesh", "Sunita", "Anil", "Pooja", "Vijay", "Kavita",
         "Suresh", "Neha", "Arvind", "Rekha", "Manoj", "Anita", "Deepak", "Priya", "Rajesh", "Meena",
         "Sanjay", "Usha", "Alok", "Shabnam", "Imran", "Farida", "Harish", "Lalita", "Naresh", "Savitri",
         "Mukesh", "Kamla", "Dinesh", "Poonam", "Ashok", "Shalini", "Pankaj", "Ritu", "Yusuf")
LAST = ("Sharma", "Verma", "Yadav", "Gupta", "Singh", "Mishra", "Srivastava", "Tiwari", "Pandey", "Khan",
        "Maurya", "Kushwaha", "Chaudhary", "Saxena", "Agarwal", "Dubey", "Rawat", "Nigam", "Qureshi",
        "Pal", "Prajapati", "Rastogi", "Shukla", "Tripathi", "Ansari", "Kashyap", "Bajpai", "Awasthi")
LOCALITIES = ("Gandhi Nagar", "Civil Lines", "Rajendra Nagar", "Azad Nagar", "Station Road", "Nehru Colony",
              "Shivaji Marg", "Ram Nagar", "Subhash Nagar", "Kamla Nagar", "Patel Chowk", "Mahavir Ganj",
              "Naya Gaon", "Purana Bazar", "Ambedkar Puram", "Tilak Nagar")
CATEGORIES = {Area.URBAN: ("LMV-1",) * 8 + ("LMV-2",) * 2, Area.RURAL: ("LMV-1",) * 7 + ("LMV-2",) + ("LMV-5",) * 2}
SUPPLY = {"LMV-1": "Residential / Domestic", "LMV-2": "Non-Domestic", "LMV-5": "Private Tube-well"}


def staff(gen: Generator, offices: list[dict]) -> list[dict]:
    hashes = {role: auth.hash_password(pw) for role, (_, _, pw) in STAFF_PLAN.items()}
    rows = []
    for office in offices:
        short = office["code"].removeprefix("ESD-").removeprefix("EDD-").replace("-", "")
        for role, (level, count, password) in STAFF_PLAN.items():
            if office["level"] != level:
                continue
            for k in range(1, count + 1):
                suffix = role.removeprefix("TR-") + (str(k) if count > 1 else "")
                user_id = f"{short}-{suffix}"
                rows.append(
                    dict(
                        user_id=user_id,
                        name=",".join(reversed(gen.name().upper().split())),
                        office_code=office["code"],
                        role=role,
                        mobile=f"9{gen.rng.randrange(10**8, 10**9)}",
                        password_hash=hashes[role],
                        active=True,
                        failed_logins=0,
                    )
                )
                gen.logins.append(dict(user_id=user_id, password=password, role=role, office=office["code"]))
    gen.staff = rows
    return rows


def accounts(gen: Generator, subdivisions: list[dict], n: int) -> list[dict]:
    rows = []
    for i in range(n):
        sub = subdivisions[i % len(subdivisions)]
        area = sub["area"]
        system, digits = (BillingSystem.CCB, 10) if area == Area.URBAN else (BillingSystem.MPOWER, 12)
        category = gen.rng.choice(CATEGORIES[area])
        load = gen.rng.choice((1, 1, 2, 2, 2, 3, 4, 5)) if category == "LMV-1" else gen.rng.choice((2, 3, 5, 7.5, 10))
        person = gen.name().upper()
        rows.append(
            dict(
                account_id=gen.unique(digits),
                system=system,
                person_name=person,
                mobile=f"{gen.rng.choice('6789')}{gen.rng.randrange(10**8, 10**9)}" if gen.rng.random() < 0.93 else None,
                email=f"{person.split()[0].lower()}{gen.rng.randrange(100)}@example.in" if gen.rng.random() < 0.3 else None,
                language="en" if gen.rng.random() < 0.2 else "hi",
                premise_address=f"{gen.rng.randrange(1, 999)}/{gen.rng.choice('ABCDEFGH')} "
                f"{gen.rng.choice(LOCALITIES)}, {sub['town']}",
                town=sub["town"],
                tariff_category=category,
                supply_type=SUPPLY[category],
                sanctioned_load_kw=float(load),
                subdivision_code=sub["code"],
                area=area,
                smart_meter=area == Area.URBAN and gen.rng.random() < 0.3,
                status=AccountStatus.PD if i % 97 == 5 else AccountStatus.ACTIVE,  # about 1%, and one even in a small demo
                connected_on=gen.today - timedelta(days=gen.rng.randrange(400, 9000)),
                current_balance_paise=0,
                payoff_balance_paise=0,
            )
        )
    return rows
