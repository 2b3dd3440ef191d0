// console/nav.js: the console's pages and the roles each is for. The same
// lists guard the routes (meta.roles) and build the navigation.
export const ALL = ["support_l1", "support_l2", "security", "dpo", "operator_admin"];
export const roles = {
  team: ["operator_admin"],
  registry: ["operator_admin"],
  requests: ["dpo"],
  notices: ["dpo"],
  grants: ["support_l1", "support_l2", "security", "dpo"],
  holds: ["security", "dpo"],
  processors: ["operator_admin"],
  audit: ["security", "operator_admin", "dpo"],
  security: ["security", "dpo"],
  incidents: ["security", "dpo"],
  disclosures: ["security", "dpo"],
  retention: ["security", "dpo"],
  statistics: ["dpo"],
};

export const pages = [
  { href: "#/staff/home", text: "Console", roles: ALL },
  { href: "#/staff/team", text: "Staff", roles: roles.team },
  { href: "#/staff/requests", text: "Requests", roles: roles.requests },
  { href: "#/staff/devices", text: "Devices", roles: roles.registry },
  { href: "#/staff/firmware", text: "Firmware", roles: roles.registry },
  { href: "#/staff/app-versions", text: "App versions", roles: roles.registry },
  { href: "#/staff/notices", text: "Notices", roles: roles.notices },
  { href: "#/staff/grants", text: "Grants", roles: roles.grants },
  { href: "#/staff/incidents", text: "Incidents", roles: roles.incidents },
  { href: "#/staff/holds", text: "Legal holds", roles: roles.holds },
  { href: "#/staff/disclosures", text: "Disclosures", roles: roles.disclosures },
  { href: "#/staff/retention", text: "Retention", roles: roles.retention },
  { href: "#/staff/statistics", text: "Statistics", roles: roles.statistics },
  { href: "#/staff/processors", text: "Processors", roles: roles.processors },
  { href: "#/staff/audit", text: "Audit log", roles: roles.audit },
  { href: "#/staff/security", text: "Vulnerabilities", roles: roles.security },
  { href: "#/staff/me", text: "My account", roles: ALL },
];
