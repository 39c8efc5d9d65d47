"""Request parameters and response shapes for ``Endpoint/``."""

from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints, model_validator

from switchboard.core.pagination import ListResponse, PageParams
from switchboard.core.params import Params
from switchboard.core.validators import Name

Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9]{0,24}$")]
Password = Annotated[str, StringConstraints(min_length=5, max_length=128)]


class EndpointCreate(Params):
    username: Username = Field(
        description="Letters and digits, starting with a letter, at most 25; a 12-digit suffix is appended."
    )
    password: Password = Field(description="At least 5 characters.")
    alias: Name
    app_id: str | None = Field(None, description="Application for the endpoint; default: the default endpoint app.")


class EndpointUpdate(Params):
    password: Password | None = None
    alias: Name | None = None
    app_id: str | None = Field(None, description="Application for the endpoint; empty string removes it.")

    @model_validator(mode="after")
    def _something_to_change(self) -> "EndpointUpdate":
        if self.password is None and self.alias is None and self.app_id is None:
            raise ValueError("give at least one of password, alias, app_id")
        return self


class EndpointList(PageParams):
    pass


class EndpointObject(BaseModel):
    alias: str
    application: str | None
    endpoint_id: str
    resource_uri: str
    sip_contact: str | None
    sip_expires: str | None
    sip_registered: str
    sip_uri: str
    sip_user_agent: str | None
    sub_account: str | None
    username: str


class EndpointGet(EndpointObject):
    api_id: str


class EndpointCreated(BaseModel):
    alias: str
    api_id: str
    endpoint_id: str
    message: str
    username: str


EndpointListResponse = ListResponse[EndpointObject]
