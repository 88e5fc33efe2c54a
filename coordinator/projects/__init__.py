"""Data-sharing projects: the unit of permission for every output of the hub.

A project file (TOML) names the purpose, partners, attributes, tables, retention and approvers;
``create_project`` loads it as a draft, an approver token approves it, and only an approved,
unexpired project yields an analyst export or a publication.
"""

from hublink.coordinator.projects.definition import ProjectDefinition, load_definition
from hublink.coordinator.projects.lifecycle import (ProjectInfo, approve_project, close_project,
                                                    create_project, get_project, list_projects,
                                                    project_definition, require_live)
from hublink.coordinator.projects.purge import housekeeping, purge_project

__all__ = ["ProjectDefinition", "ProjectInfo", "load_definition", "create_project",
           "approve_project", "close_project", "list_projects", "get_project",
           "project_definition", "require_live", "purge_project", "housekeeping"]
