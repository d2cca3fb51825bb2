"""Artwork discovery through the admin, the Celery task and the command: uploads return at once,
jobs show progress, proposed frames appear as a contact sheet, approval makes exploring artwork,
and every bad file is refused with a clear message and nothing created."""

from __future__ import annotations

import json
import tempfile
from io import StringIO
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from catalog.models import Artwork, FrameCandidate, FrameProposalJob
from catalog.selectors import catalog_snapshot
from catalog.services.frames import frame_job_create, frame_job_run
from tests.conftest import wait_until
from tests.factories import make_title
from tests.frame_media import GOOD, SIZE, png, shot_at, stills_zip, write_empty_video, write_test_video, zip_bytes
from tests.frame_media import shots as all_shots

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def video_bytes(tmp_path_factory) -> bytes:
    return write_test_video(tmp_path_factory.mktemp("upload") / "trailer.mp4").read_bytes()


@pytest.fixture
def title():
    return make_title("Frame Test", genres=["Romance", "Drama"], themes=("romance", "drama", "ensemble cast"))


def _frames_url(title) -> str:
    return reverse("admin:catalog_title_frames", args=[title.pk])


def _upload(client, title, name: str, payload: bytes):
    return client.post(_frames_url(title), {"file": SimpleUploadedFile(name, payload)})


def _uploaded_files(settings) -> list[Path]:
    folders = [Path(settings.FRAME_UPLOAD_DIR), Path(settings.MEDIA_ROOT)]
    return [p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()]


@pytest.fixture
def done_job(admin_client, title, video_bytes, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _upload(admin_client, title, "trailer.mp4", video_bytes)
    return FrameProposalJob.objects.get(title=title)


def test_an_upload_returns_at_once_and_queues_the_scoring(
    admin_client, title, video_bytes, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = _upload(admin_client, title, "trailer.mp4", video_bytes)

    assert response.status_code == 302
    job = FrameProposalJob.objects.get(title=title)
    assert job.state == FrameProposalJob.State.QUEUED  # nothing scored in the request
    assert "512×288 h264 video" in job.source_description
    assert len(callbacks) == 1  # the task is sent after the commit
    assert Path(job.source.path).is_relative_to(settings.FRAME_UPLOAD_DIR)  # private, never under MEDIA_ROOT

    source = Path(job.source.path)
    callbacks[0]()  # Celery runs eagerly in tests: this is the worker's run
    job.refresh_from_db()
    assert job.state == FrameProposalJob.State.DONE
    assert not source.exists() and not job.source  # the upload is deleted once its frames are stored
    assert job.frames_scored >= len(all_shots())
    assert job.duplicates_dropped >= 2
    candidates = list(job.candidates.order_by("rank"))
    top = {shot_at(c.time_s).removeprefix("copy-of-").removeprefix("near-copy-of-") for c in candidates[:4]}
    assert top == set(GOOD)
    for candidate in candidates:
        assert candidate.suggested_theme in {"romance", "drama", "ensemble cast"}
        assert set(candidate.features["features"]) >= {"sharpness", "colourfulness", "faces", "text", "black"}
        with candidate.image.open("rb") as handle, Image.open(handle) as image:
            assert image.size == SIZE  # the full-resolution frame, not the scoring thumbnail


def test_the_frames_page_and_the_title_page_show_the_contact_sheet(admin_client, title, done_job):
    candidates = list(done_job.candidates.order_by("rank"))
    frames_page = admin_client.get(_frames_url(title)).content.decode()
    title_page = admin_client.get(reverse("admin:catalog_title_change", args=[title.pk])).content.decode()
    for body in (frames_page, title_page):
        for candidate in candidates:
            assert candidate.image.url in body
            assert f"score <strong>{candidate.score:.2f}</strong>" in body
    assert frames_page.count('name="candidate"') == len(candidates)
    assert f"{done_job.frames_scored} frames scored" in frames_page


def test_a_running_job_polls_its_progress_and_a_finished_one_reloads_the_page(admin_client, title, video_bytes):
    job = frame_job_create(title=title, upload=SimpleUploadedFile("t.mp4", video_bytes), name="t.mp4", enqueue=False)
    FrameProposalJob.objects.filter(pk=job.pk).update(state="running", frames_planned=40, frames_scored=10)
    url = reverse("admin:catalog_title_frame_job", args=[title.pk, job.pk])

    running = admin_client.get(url, HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 2s"' in running.content.decode()
    assert "10 of ~40 frames" in running.content.decode()
    assert "HX-Refresh" not in running

    frame_job_run(job_id=job.pk)
    finished = admin_client.get(url, HTTP_HX_REQUEST="true")
    assert finished["HX-Refresh"] == "true"
    assert "hx-trigger" not in finished.content.decode()


def test_approving_frames_makes_exploring_artwork_with_renditions(
    admin_client, title, done_job, django_capture_on_commit_callbacks
):
    first, second = done_job.candidates.order_by("rank")[:2]
    before = Artwork.objects.filter(title=title).count()

    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("admin:catalog_title_frames_approve", args=[title.pk]),
            {"candidate": [first.pk, second.pk], f"theme-{first.pk}": "character close-up"},
        )

    assert response.status_code == 302
    assert Artwork.objects.filter(title=title).count() == before + 2
    first.refresh_from_db()
    second.refresh_from_db()
    artwork = first.artwork
    assert (artwork.theme, artwork.source, artwork.is_active) == ("character close-up", "frame", True)
    assert second.artwork.theme == second.suggested_theme
    assert artwork.explore_until > timezone.now() + timezone.timedelta(days=13)
    with artwork.card.open("rb") as handle, Image.open(handle) as card:
        assert card.size == Artwork.CARD_SIZE
    with artwork.hero.open("rb") as handle, Image.open(handle) as hero:
        assert hero.size == Artwork.HERO_SIZE
    variants = {v.artwork_id: v for v in catalog_snapshot().artworks[title.pk]}
    assert variants[artwork.pk].exploring
    assert not any(v.exploring for v in variants.values() if v.artwork_id not in {artwork.pk, second.artwork_id})

    # Approving again changes nothing.
    admin_client.post(reverse("admin:catalog_title_frames_approve", args=[title.pk]), {"candidate": [first.pk]})
    assert Artwork.objects.filter(title=title).count() == before + 2


def test_an_unknown_theme_refuses_the_whole_approval(admin_client, title, done_job):
    first, second = done_job.candidates.order_by("rank")[:2]
    response = admin_client.post(
        reverse("admin:catalog_title_frames_approve", args=[title.pk]),
        {"candidate": [first.pk, second.pk], f"theme-{second.pk}": "moody vibes"},
        follow=True,
    )
    assert "“moody vibes” is not a theme" in response.content.decode()
    assert not Artwork.objects.filter(source="frame").exists()


def test_the_candidate_list_changes_themes_within_the_vocabulary(admin_client, done_job):
    candidate = done_job.candidates.order_by("rank").first()
    url = reverse("admin:catalog_framecandidate_changelist")
    assert admin_client.get(url).status_code == 200
    form = {
        "form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "1", "form-0-id": str(candidate.pk), "_save": "Save",
    }  # fmt: skip

    admin_client.post(url, {**form, "form-0-theme": "moody vibes"})
    candidate.refresh_from_db()
    assert candidate.theme == candidate.suggested_theme

    admin_client.post(url, {**form, "form-0-theme": "character close-up"})
    candidate.refresh_from_db()
    assert candidate.theme == "character close-up"


def test_candidates_of_another_title_cannot_be_approved_through_this_one(admin_client, title, done_job):
    other = make_title("Other", themes=("action",))
    candidate = done_job.candidates.first()
    admin_client.post(reverse("admin:catalog_title_frames_approve", args=[other.pk]), {"candidate": [candidate.pk]})
    assert not Artwork.objects.filter(source="frame").exists()


def test_the_candidate_list_approves_a_selection_in_bulk(admin_client, done_job):
    ids = list(done_job.candidates.values_list("pk", flat=True)[:3])
    admin_client.post(
        reverse("admin:catalog_framecandidate_changelist"), {"action": "approve", "_selected_action": ids}
    )
    assert FrameCandidate.objects.filter(pk__in=ids, artwork__isnull=False).count() == 3
    assert admin_client.get(reverse("admin:catalog_frameproposaljob_changelist")).status_code == 200
    assert admin_client.get(reverse("admin:catalog_frameproposaljob_change", args=[done_job.pk])).status_code == 200


def _truncated(video: bytes) -> bytes:
    return video[: len(video) // 2]


def _empty_video() -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        return write_empty_video(Path(folder) / "empty.mp4").read_bytes()


GOOD_STILL = png(all_shots()[0][1])
BAD_UPLOADS = [
    ("notes.mp4", lambda v: b"this is a text file, not a video", "not a video we accept"),
    ("poster.png", lambda v: GOOD_STILL, "not a video we accept"),
    ("cut.mp4", _truncated, "damaged or truncated"),
    ("empty.mp4", lambda v: _empty_video(), "zero-length video"),
    ("zero.mp4", lambda v: b"", "The submitted file is empty"),
    ("mixed.zip", lambda v: zip_bytes({"a.png": GOOD_STILL, "readme.txt": b"hi"}), "readme.txt” in the zip is not"),
    ("escape.zip", lambda v: zip_bytes({"../../../etc/passwd.png": GOOD_STILL}), "unsafe file name"),
    ("bomb.zip", lambda v: zip_bytes({"a.png": b"\0" * 5_000_000}), "zip bomb"),
]


@pytest.mark.parametrize(("name", "make", "message"), BAD_UPLOADS, ids=[b[0] for b in BAD_UPLOADS])
def test_a_bad_upload_is_refused_on_the_form_and_nothing_is_created(
    admin_client, title, settings, video_bytes, name, make, message
):
    artworks = Artwork.objects.count()
    response = _upload(admin_client, title, name, make(video_bytes))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not FrameProposalJob.objects.exists()
    assert Artwork.objects.count() == artworks
    assert _uploaded_files(settings) == []


def test_an_upload_over_the_size_limit_is_refused(admin_client, title, settings, video_bytes):
    settings.VIDEO_MAX_UPLOAD_BYTES = 10_000
    response = _upload(admin_client, title, "trailer.mp4", video_bytes)
    assert "the limit is 0.0 MB (VIDEO_MAX_UPLOAD_BYTES)" in response.content.decode()
    assert not FrameProposalJob.objects.exists()
    assert _uploaded_files(settings) == []


def test_a_zip_of_stills_is_proposed_like_a_video(admin_client, title, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _upload(admin_client, title, "stills.zip", stills_zip())
    job = FrameProposalJob.objects.get(title=title)
    assert (job.state, job.frames_scored, job.duplicates_dropped) == ("done", 5, 1)
    assert {c.source_name for c in job.candidates.all()} >= {"stills/a.png", "stills/b.png"}
    assert all(c.time_s is None for c in job.candidates.all())


def test_a_file_that_breaks_in_the_worker_fails_the_job_with_its_reason_and_no_candidates(title, video_bytes):
    job = frame_job_create(title=title, upload=SimpleUploadedFile("t.mp4", video_bytes), name="t.mp4", enqueue=False)
    Path(job.source.path).write_bytes(b"garbage now")  # damaged on disk after the upload was checked

    job = frame_job_run(job_id=job.pk)
    assert job.state == FrameProposalJob.State.FAILED
    assert "not a video we accept" in job.error
    assert not job.candidates.exists()


def test_a_redelivered_task_leaves_a_finished_job_alone(done_job):
    ranks = list(done_job.candidates.values_list("pk", flat=True))
    assert frame_job_run(job_id=done_job.pk).state == "done"
    assert list(done_job.candidates.values_list("pk", flat=True)) == ranks


@pytest.mark.parametrize("who", ["anonymous", "viewer"])
def test_only_staff_reach_artwork_discovery(client, title, who):
    if who == "viewer":
        client.force_login(User.objects.create_user("viewer", password="pw-123456"))
    for url in (_frames_url(title), reverse("admin:catalog_title_frames_approve", args=[title.pk])):
        response = client.post(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


# The command ---------------------------------------------------------------------------------------


def test_the_command_runs_the_pipeline_and_ends_with_one_json_line(title, video_bytes, tmp_path):
    path = tmp_path / "trailer.mp4"
    path.write_bytes(video_bytes)
    out, err = StringIO(), StringIO()

    call_command("propose_artwork", str(title.pk), str(path), "--json", stdout=out, stderr=err)

    result = json.loads(out.getvalue().strip().splitlines()[-1])
    job = FrameProposalJob.objects.get(pk=result["job_id"])
    assert (result["frames_scored"], result["duplicates_dropped"]) == (job.frames_scored, job.duplicates_dropped)
    assert len(result["proposed"]) == job.candidates.count() > 0
    first = result["proposed"][0]
    assert {"time_s", "score", "features"} <= set(first)
    assert shot_at(first["time_s"]).removeprefix("copy-of-").removeprefix("near-copy-of-") in GOOD
    assert "near-duplicates dropped" in err.getvalue()


@pytest.mark.parametrize(("name", "make", "message"), BAD_UPLOADS[:4], ids=[b[0] for b in BAD_UPLOADS[:4]])
def test_the_command_refuses_bad_files_with_the_same_message(title, video_bytes, tmp_path, name, make, message):
    path = tmp_path / name
    path.write_bytes(make(video_bytes))
    with pytest.raises(CommandError, match=message):
        call_command("propose_artwork", str(title.pk), str(path), "--json", stdout=StringIO(), stderr=StringIO())
    assert not FrameProposalJob.objects.exists()


def test_the_command_refuses_an_unknown_title(tmp_path):
    with pytest.raises(CommandError, match="No title has id 999"):
        call_command("propose_artwork", "999", str(tmp_path / "x.mp4"), stdout=StringIO(), stderr=StringIO())


# A real worker -------------------------------------------------------------------------------------


@pytest.mark.services
def test_a_real_celery_worker_scores_an_upload(celery_worker, video_bytes):
    title = make_title("Worker Film", genres=["Action"], themes=("action",))
    job = frame_job_create(title=title, upload=SimpleUploadedFile("t.mp4", video_bytes), name="t.mp4")

    wait_until(
        lambda: FrameProposalJob.objects.get(pk=job.pk).is_finished,
        timeout=120,
        message="the worker to score the video",
    )
    job.refresh_from_db()
    assert job.state == FrameProposalJob.State.DONE, job.error
    assert job.candidates.count() > 0
