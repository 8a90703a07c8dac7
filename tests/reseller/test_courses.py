"""Courses (コース設定): create, edit, delete; in-use refusal; lowering below use needs confirmation."""
from sqlalchemy import select

from tenants.models import AuditLog, Course
from tests.reseller.helpers import COURSE, count, one, set_disk_use


def test_create_edit_and_delete_a_course(app, as_demo_operator, world):
    r = as_demo_operator.post("/panel/courses/new", data=COURSE)
    assert r.status_code == 302
    cid = one(app, select(Course.id).where(Course.name == "ライト"))
    html = as_demo_operator.get("/panel/courses").get_data(as_text=True)
    assert "ライト" in html and "1000" in html
    r = as_demo_operator.post(f"/panel/courses/{cid}/edit", data=COURSE | {"disk_quota_mb": 2000, "https_allowed": ""})
    assert r.status_code == 302
    course = one(app, select(Course).where(Course.id == cid))
    assert course.disk_quota_mb == 2000 and course.https_allowed is False and course.reseller_id == world.demo
    assert as_demo_operator.post(f"/panel/courses/{cid}/delete").status_code == 302
    assert count(app, Course, Course.id == cid) == 0
    actions = {a for a in [one(app, select(AuditLog.action).where(AuditLog.object_id == cid, AuditLog.action == x))
                           for x in ("course.create", "course.update", "course.delete")]}
    assert actions == {"course.create", "course.update", "course.delete"}


def test_bad_course_input_is_refused_beside_the_field(app, as_demo_operator):
    as_demo_operator.get("/lang/en")
    before = count(app, Course)
    r = as_demo_operator.post("/panel/courses/new", data=COURSE | {"name": "スタンダード"})
    assert r.status_code == 400
    assert "A course with this name already exists." in r.get_data(as_text=True)
    r = as_demo_operator.post("/panel/courses/new", data=COURSE | {"max_domains": "-1"})
    assert r.status_code == 400 and "Number must be between 0 and" in r.get_data(as_text=True)
    assert count(app, Course) == before


def test_a_course_in_use_is_not_deleted_and_names_its_customers(app, as_demo_operator, world):
    as_demo_operator.get("/lang/en")
    r = as_demo_operator.post(f"/panel/courses/{world.demo_course}/delete")
    assert r.status_code == 409
    html = r.get_data(as_text=True)
    assert "cannot be deleted" in html and "山田 太郎" in html
    assert count(app, Course, Course.id == world.demo_course) == 1


def test_lowering_a_limit_below_use_asks_first_and_lists_the_customers(app, as_demo_operator, world):
    set_disk_use(app, world.demo_customer, 3000 * 1024 * 1024)  # taro uses 3000 MB of 20480
    data = COURSE | {"name": "スタンダード", "disk_quota_mb": 1000}
    r = as_demo_operator.post(f"/panel/courses/{world.demo_course}/edit", data=data)
    assert r.status_code == 409
    assert "山田 太郎" in r.get_data(as_text=True) and 'name="confirmed" value="yes"' in r.get_data(as_text=True)
    assert one(app, select(Course.disk_quota_mb).where(Course.id == world.demo_course)) == 20480
    r = as_demo_operator.post(f"/panel/courses/{world.demo_course}/edit", data=data | {"confirmed": "yes"})
    assert r.status_code == 302
    assert one(app, select(Course.disk_quota_mb).where(Course.id == world.demo_course)) == 1000


def test_raising_a_limit_needs_no_confirmation(app, as_demo_operator, world):
    set_disk_use(app, world.demo_customer, 3000 * 1024 * 1024)
    r = as_demo_operator.post(f"/panel/courses/{world.demo_course}/edit",
                              data=COURSE | {"name": "スタンダード", "disk_quota_mb": 30000})
    assert r.status_code == 302


def test_other_resellers_courses_are_invisible(app, as_acme_operator, world):
    assert "スタンダード" not in as_acme_operator.get("/panel/courses").get_data(as_text=True)
    assert as_acme_operator.get(f"/panel/courses/{world.demo_course}/edit").status_code == 404
    assert as_acme_operator.post(f"/panel/courses/{world.demo_course}/delete").status_code == 404
