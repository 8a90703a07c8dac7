"""The reseller API's URL table: every endpoint under /api, in one place."""
from panel.api import courses, customers, openapi, usage

RULES = [
    ("/courses", courses.api_courses),
    ("/courses", courses.api_course_create, ["POST"]),
    ("/courses/<int:course_id>", courses.api_course),
    ("/courses/<int:course_id>", courses.api_course_update, ["PATCH"]),
    ("/courses/<int:course_id>", courses.api_course_delete, ["DELETE"]),
    ("/customers", customers.api_customers),
    ("/customers", customers.api_customer_create, ["POST"]),
    ("/customers/<int:customer_id>", customers.api_customer),
    ("/customers/<int:customer_id>", customers.api_customer_update, ["PATCH"]),
    ("/customers/<int:customer_id>", customers.api_customer_delete, ["DELETE"]),
    ("/customers/<int:customer_id>/suspend", customers.api_customer_suspend, ["POST"]),
    ("/customers/<int:customer_id>/resume", customers.api_customer_resume, ["POST"]),
    ("/customers/<int:customer_id>/password", customers.api_customer_password, ["POST"]),
    ("/openapi.json", openapi.openapi),
    ("/usage", usage.api_usage),
    ("/customers/<int:customer_id>/usage", usage.api_customer_usage),
]
