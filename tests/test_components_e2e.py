"""A mixed dossier (receipt + form + ID card photo + land certificate + decision) through `sohoa digitize`:
every component's kind and fields, the receipt linked by its QR code, the manifests listing them."""

from __future__ import annotations

import json
import random

import pytest

from pipeline.archive import index
from pipeline.synth.components import contract, decision, form, id_card, land_certificate, receipt
from pipeline.synth.paper import person
from tests.test_cli import export, run

CODE = "000.17.22.H56-240126-0042"
FOLDER = "scan-2024-01-26"  # not a dossier code: the receipt's QR code names the dossier


@pytest.mark.slow
def test_mixed_dossier_digitized_classified_and_linked_by_qr(tmp_path):
    rng = random.Random(7)
    p = person(rng)
    folder = tmp_path / "inbox" / FOLDER
    folder.mkdir(parents=True)
    rc = receipt(rng, code=CODE, p=p)
    rc.images[0].save(folder / "giay-tiep-nhan.pdf", "PDF", resolution=300)
    fm = form(rng, p=p)
    fm.images[0].save(folder / "don.pdf", "PDF", resolution=300)
    card = id_card(rng, p=p, layout="photo")
    card.images[0].save(folder / "cccd.jpg", quality=85)
    gcn = land_certificate(rng, p=p)
    gcn.images[0].save(folder / "gcn.pdf", "PDF", resolution=300)
    dec = decision(rng)
    dec.images[0].save(folder / "quyet-dinh.pdf", "PDF", resolution=300)
    hd = contract(rng, a=p)
    hd.images[0].convert("L").save(folder / "hop-dong.png", dpi=(300, 300))
    archive = tmp_path / "archive"
    env = {"SOHOA_INDEX_KEY": "test-key"}

    res = run("digitize", str(tmp_path / "inbox"), "--archive", str(archive), "--min-file-age", "0", env=env,
              timeout=900)
    assert res.returncode == 0, res.stdout + res.stderr
    for secret in (p.citizen_id, p.name, p.name.upper()):  # personal data never in the run's output
        assert secret not in res.stdout + res.stderr

    recs = {r["source"]["filename"]: r for r in export(archive)}
    kinds = {name: r["component"]["kind"] for name, r in recs.items()}
    assert kinds == {"giay-tiep-nhan.pdf": "receipt", "don.pdf": "application_form", "cccd.jpg": "id_card",
                     "gcn.pdf": "land_certificate", "quyet-dinh.pdf": "administrative", "hop-dong.png": "contract"}

    got = recs["giay-tiep-nhan.pdf"]["component"]
    assert got["receipt"]["dossier_code"] == CODE and got["receipt"]["linked_by_qr"]
    assert got["receipt"]["procedure_code"] == rc.fields["procedure_code"]
    assert got["receipt"]["appointment_date"] == rc.fields["appointment_date"]
    assert got["codes"][0]["scheme"] == "dossier_receipt" and got["codes"][0]["values"]["dossier_code"] == CODE
    card_rec = recs["cccd.jpg"]["component"]["id_card"]
    assert card_rec["number"] == p.citizen_id and card_rec["date_of_birth"] == p.birth
    land = recs["gcn.pdf"]["component"]["land_certificate"]
    assert (land["serial"], land["parcel_number"], land["map_sheet"]) == \
        (gcn.fields["serial"], gcn.fields["parcel_number"], gcn.fields["map_sheet"])
    assert recs["quyet-dinh.pdf"]["component"]["document_type"] == "Quyết định"
    assert recs["quyet-dinh.pdf"]["metadata"]["document_type"] == "Quyết định"  # Decree 30 metadata as before
    form_rec = recs["don.pdf"]
    assert form_rec["component"]["application_form"]["signed_date"] == fm.fields["signed_date"]
    assert not {"number", "symbol", "signer_title"} & set(form_rec["review"]["fields"])  # no Decree 30 noise
    flagged = [f for r in recs.values() for f in r["review"]["fields"] if f.startswith("component.")]
    assert all(f.count(".") == 2 or f == "component.kind" for f in flagged)

    owner = index.citizen_hash(p.citizen_id, b"test-key")
    for name in (FOLDER, CODE):  # the folder's manifest, and the dossier code's through the receipt
        manifest = json.loads((archive / "dossiers" / name / "manifest.json").read_text())
        assert {d["filename"]: d["kind"] for d in manifest["documents"]} == kinds
        assert p.citizen_id not in json.dumps(manifest)
        card_entry = next(d for d in manifest["documents"] if d["kind"] == "id_card")
        assert card_entry["owner_citizen_hmac"] == owner
    assert not any(p.citizen_id in str(k) for k in (archive / "index").rglob("*"))

    found = run("records", "find", "--archive", str(archive), "--kind", "id_card", "--dossier", CODE, "--ids", env=env)
    assert found.stdout.split() == [recs["cccd.jpg"]["document_id"]], found.stdout + found.stderr
    found = run("records", "find", "--archive", str(archive), "--procedure", rc.fields["procedure_code"], "--ids",
                env=env)
    assert recs["giay-tiep-nhan.pdf"]["document_id"] in found.stdout.split()
    nd30 = {r["DocumentId"]: r for r in export(archive, "--format", "nd30")}
    assert nd30[recs["quyet-dinh.pdf"]["document_id"]]["TypeName"] == "Quyết định"
