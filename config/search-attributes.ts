import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes that make lifecycle runs findable in the Temporal UI (pure: workflows import it). */
export const MODEL_NAME = defineSearchAttributeKey('MlopsModelName', SearchAttributeType.KEYWORD);
export const MODEL_VERSION = defineSearchAttributeKey('MlopsModelVersion', SearchAttributeType.INT);
export const STAGE = defineSearchAttributeKey('MlopsStage', SearchAttributeType.KEYWORD);

/** Names and types as the Temporal CLI spells them (`--search-attribute Name=Type`). */
export const SEARCH_ATTRIBUTE_DEFINITIONS = [
  { name: MODEL_NAME.name, cliType: 'Keyword' },
  { name: MODEL_VERSION.name, cliType: 'Int' },
  { name: STAGE.name, cliType: 'Keyword' },
] as const;
