from districts.roles import DISTRICT_WIDE_ROLES, STAFF_ROLES

# The cabinet team makes the assessment; school leaders and teams read the district's plan.
EDIT_ROLES = DISTRICT_WIDE_ROLES
READ_ROLES = STAFF_ROLES
