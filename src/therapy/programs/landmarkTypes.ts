// Names of the body landmarks programs aim at; shared by the schema and the millimetre resolver.

/** Spine regions of the scan (BRIEF: cervical 18 %, thoracic 39 %, lumbar 25 %, sacral 18 %). */
export const SPINE_REGIONS = ["cervical", "thoracic", "lumbar", "sacral"] as const;
export type SpineRegion = (typeof SPINE_REGIONS)[number];
/** A landmark's region may also be the whole scanned spine. */
export const LANDMARK_REGIONS = [...SPINE_REGIONS, "spine"] as const;
export type LandmarkRegion = (typeof LANDMARK_REGIONS)[number];
export const THIRDS = ["upper-third", "middle-third", "lower-third"] as const;
export type Third = (typeof THIRDS)[number];
/** Junctions between neighbouring regions, e.g. thoracolumbar = thoracic/lumbar (myofascial work). */
export const BOUNDARIES = ["cervicothoracic", "thoracolumbar", "lumbosacral"] as const;
export type Boundary = (typeof BOUNDARIES)[number];

export type Landmark = { region: LandmarkRegion; part?: Third; fraction?: number } | { boundary: Boundary };

/** Landmarks as written in program sources: "lumbar", "thoracic:lower-third", "lumbar@0.5", "thoracolumbar". */
export type LandmarkInput =
  | LandmarkRegion
  | Boundary
  | `${LandmarkRegion}:${Third}`
  | `${LandmarkRegion}@${number}`
  | Landmark;
