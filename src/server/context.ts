// What every route group is given, and the access level each route declares (checked by the auth sweep test).
import type { FastifyRequest } from "fastify";
import type { SimulatedBed } from "../../simulator/index.ts";
import type { PanelStore } from "../store/index.ts";
import type { TechnicianAuth } from "./auth.ts";
import type { LiveHub } from "./live.ts";
import type { Panel, Who } from "./panel.ts";

/**
 * public: the page, the API document, the login itself. staff: the kiosk's program controls and
 * read-only status (no login, by design: showroom staff run programs; emergency stop must never be
 * behind a login). technician: device internals and raw bed commands, behind the technician login.
 */
export type Access = "public" | "staff" | "technician";

declare module "fastify" {
  interface FastifyContextConfig {
    access?: Access;
  }
}

export interface PanelContext {
  panel: Panel;
  live: LiveHub;
  auth: TechnicianAuth;
  store: PanelStore;
  sim?: SimulatedBed;
}

export interface RouteGroupOptions {
  ctx: PanelContext;
}

export function staffOf(request: FastifyRequest, ctx: PanelContext): Who {
  const technician = ctx.auth.isTechnician(request);
  return { actor: technician ? "technician" : "staff", name: technician ? "technician" : "staff", remote: request.ip };
}
