import Foundation

/// JSON Schemas (draft-07) of Tollgate's YAML files, for editors: environments, playbooks and
/// check suites.
///
/// The shipped files point at them with a `# yaml-language-server: $schema=…` line, and
/// `tollgate init` writes them into a new project. The copies in `Playbooks/schemas/` are these
/// texts (a test compares them, `TOLLGATE_PIN=1` rewrites them), and a test keeps every key
/// they name equal to what the loader reads. What a schema cannot say (a suite a playbook names,
/// a step id used twice) is the loader's alone.
public enum JSONSchemas {
    public enum File: String, CaseIterable, Sendable {
        case environment, playbook, suite

        /// `environment.schema.json`.
        public var fileName: String { "\(rawValue).schema.json" }

        /// The folder, relative to the project, whose YAML files it describes.
        public var describes: String {
            switch self {
            case .environment: "Environments"
            case .playbook: "Playbooks"
            case .suite: "Playbooks/checks"
            }
        }

        /// The file's text, with its final newline.
        public var text: String {
            switch self {
            case .environment: JSONSchemas.environment + "\n"
            case .playbook: JSONSchemas.playbook + "\n"
            case .suite: JSONSchemas.suite + "\n"
            }
        }

        /// The line that points an editor at the schema, from a file in ``describes``:
        /// `# yaml-language-server: $schema=../Playbooks/schemas/environment.schema.json`.
        public var header: String {
            let depth = describes.split(separator: "/").count
            let path =
                String(repeating: "../", count: depth) + JSONSchemas.folder + "/" + fileName
            return "# yaml-language-server: $schema=\(path)"
        }
    }

    /// Where the schemas live in a project.
    public static let folder = "Playbooks/schemas"

    /// `Playbooks/schemas/environment.schema.json`.
    static let environment = ##"""
        {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "title": "Tollgate environment (Environments/*.yml)",
          "description": "One database in the promotion chain (dev, staging, production), or a fleet of databases that stand together in it.",
          "type": "object",
          "additionalProperties": false,
          "required": [
            "version",
            "name",
            "order"
          ],
          "properties": {
            "version": {
              "enum": [
                1
              ],
              "description": "The file format's version: 1."
            },
            "name": {
              "type": "string",
              "pattern": "^[a-z0-9_-]+$",
              "description": "The name used on the command line (--env production): lowercase letters, digits, '-' or '_'; the file is <name>.yml."
            },
            "order": {
              "type": "integer",
              "minimum": 1,
              "description": "Position in the promotion chain; lower runs first. Each environment has its own."
            },
            "description": {
              "description": "A sentence for reports.",
              "allOf": [
                {
                  "$ref": "#/definitions/string"
                }
              ]
            },
            "connection": {
              "description": "A libpq URI, key=value conninfo or service=NAME. ${VAR} reads an environment variable, ${VAR:-default} falls back; keep passwords out of the file.",
              "allOf": [
                {
                  "$ref": "#/definitions/string"
                }
              ],
              "minLength": 1
            },
            "members": {
              "description": "A fleet instead of one connection: each member a database with its own ledger, named on the command line as <name>/<member>. A list of {name, connection}, {file: PATH}: a file in the project with one member a line, NAME CONNECTION, or {query: SQL, connection: CONN}: a query on another database (a control plane) returning name and connection.",
              "oneOf": [
                {
                  "type": "array",
                  "minItems": 1,
                  "items": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": [
                      "name",
                      "connection"
                    ],
                    "properties": {
                      "name": {
                        "type": "string",
                        "pattern": "^[a-z0-9_-]+$"
                      },
                      "connection": {
                        "allOf": [
                          {
                            "$ref": "#/definitions/string"
                          }
                        ],
                        "minLength": 1
                      }
                    }
                  }
                },
                {
                  "type": "object",
                  "additionalProperties": false,
                  "required": [
                    "file"
                  ],
                  "properties": {
                    "file": {
                      "type": "string",
                      "minLength": 1
                    }
                  }
                },
                {
                  "type": "object",
                  "additionalProperties": false,
                  "required": [
                    "query",
                    "connection"
                  ],
                  "properties": {
                    "query": {
                      "type": "string",
                      "minLength": 1,
                      "description": "SQL returning one row per member, with the columns name and connection; run read-only on the database of connection when a command names the fleet."
                    },
                    "connection": {
                      "allOf": [
                        {
                          "$ref": "#/definitions/string"
                        }
                      ],
                      "minLength": 1
                    }
                  }
                }
              ]
            },
            "protection": {
              "type": "object",
              "additionalProperties": false,
              "description": "What must happen before a playbook may run here.",
              "properties": {
                "approvals_required": {
                  "type": "integer",
                  "minimum": 0,
                  "description": "Distinct approvals (tollgate approve) needed before a run; default 0."
                },
                "soak_after_previous": {
                  "description": "How long a playbook must have succeeded on the previous environment before it may run here. Not on the first environment.",
                  "allOf": [
                    {
                      "$ref": "#/definitions/duration"
                    }
                  ]
                }
              }
            },
            "variables": {
              "type": "object",
              "description": "Single values playbooks read as current_setting('tollgate.<name>'), such as jwt_expiry: 3600; interpolated like connection.",
              "additionalProperties": {
                "type": [
                  "string",
                  "number",
                  "boolean"
                ]
              }
            }
          },
          "definitions": {
            "duration": {
              "anyOf": [
                {
                  "type": "integer",
                  "minimum": 0
                },
                {
                  "type": "string",
                  "pattern": "^\\s*([0-9]+|([0-9]+(ms|s|m|h|d))+)\\s*$"
                }
              ]
            },
            "string": {
              "not": {
                "type": [
                  "null",
                  "object",
                  "array"
                ]
              }
            }
          },
          "oneOf": [
            {
              "required": [
                "connection"
              ]
            },
            {
              "required": [
                "members"
              ]
            }
          ]
        }
        """##

    /// `Playbooks/schemas/playbook.schema.json`.
    static let playbook = ##"""
        {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "title": "Tollgate playbook (Playbooks/*.yml)",
          "description": "One day of a rollout: gates, then ordered steps, run on one environment at a time.",
          "type": "object",
          "additionalProperties": false,
          "required": [
            "version",
            "playbook",
            "steps"
          ],
          "properties": {
            "version": {
              "enum": [
                1
              ],
              "description": "The file format's version: 1."
            },
            "playbook": {
              "description": "The playbook's name (tollgate run <name>).",
              "allOf": [
                {
                  "$ref": "#/definitions/string"
                }
              ]
            },
            "description": {
              "$ref": "#/definitions/string"
            },
            "gates": {
              "type": "object",
              "additionalProperties": false,
              "description": "What must hold before (and after) the playbook runs on an environment.",
              "properties": {
                "requires": {
                  "anyOf": [
                    {
                      "not": {
                        "type": [
                          "null",
                          "object",
                          "array"
                        ]
                      }
                    },
                    {
                      "type": "array",
                      "items": {
                        "$ref": "#/definitions/string"
                      }
                    }
                  ],
                  "description": "Playbooks that must have succeeded on this environment."
                },
                "before": {
                  "anyOf": [
                    {
                      "not": {
                        "type": [
                          "null",
                          "object",
                          "array"
                        ]
                      }
                    },
                    {
                      "type": "array",
                      "items": {
                        "$ref": "#/definitions/string"
                      }
                    }
                  ],
                  "description": "Suites that must pass before the first step."
                },
                "after": {
                  "anyOf": [
                    {
                      "not": {
                        "type": [
                          "null",
                          "object",
                          "array"
                        ]
                      }
                    },
                    {
                      "type": "array",
                      "items": {
                        "$ref": "#/definitions/string"
                      }
                    }
                  ],
                  "description": "Suites that must pass after the last step."
                },
                "promotion": {
                  "type": "boolean",
                  "description": "Must first have succeeded on the previous environment; default true."
                },
                "soak": {
                  "description": "How long ago it must have succeeded there (default: the environment's soak_after_previous).",
                  "allOf": [
                    {
                      "$ref": "#/definitions/duration"
                    }
                  ]
                },
                "approvals": {
                  "type": "integer",
                  "minimum": 0,
                  "description": "Overrides the environment's approvals_required."
                },
                "upstream": {
                  "anyOf": [
                    {
                      "not": {
                        "type": [
                          "null",
                          "object",
                          "array"
                        ]
                      }
                    },
                    {
                      "type": "array",
                      "items": {
                        "$ref": "#/definitions/string"
                      }
                    }
                  ],
                  "description": "Suites that must pass on every earlier environment too."
                },
                "wait_after": {
                  "type": "object",
                  "additionalProperties": false,
                  "required": [
                    "playbook"
                  ],
                  "description": "Another playbook must have succeeded here at least this long ago.",
                  "properties": {
                    "playbook": {
                      "$ref": "#/definitions/string"
                    },
                    "variable": {
                      "description": "The environment variable holding the duration (jwt_expiry).",
                      "allOf": [
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    },
                    "default": {
                      "description": "The duration when the variable is unset; default 1h.",
                      "allOf": [
                        {
                          "$ref": "#/definitions/duration"
                        }
                      ]
                    }
                  }
                }
              }
            },
            "steps": {
              "type": "array",
              "items": {
                "type": "object",
                "additionalProperties": false,
                "required": [
                  "id"
                ],
                "description": "One step: an id and exactly one of migration, sql, suite, shell, wait, backfill, supabase_migrations.",
                "properties": {
                  "id": {
                    "description": "Unique in the playbook; the ledger records it.",
                    "allOf": [
                      {
                        "$ref": "#/definitions/string"
                      }
                    ]
                  },
                  "description": {
                    "$ref": "#/definitions/string"
                  },
                  "transaction": {
                    "type": "boolean",
                    "description": "False for statements that cannot run in a transaction (CREATE INDEX CONCURRENTLY); needs rerunnable: true. Default true."
                  },
                  "rerunnable": {
                    "type": "boolean",
                    "description": "The step may run again after an interruption."
                  },
                  "lock_timeout": {
                    "description": "SET lock_timeout for the step; retried with backoff. Default 1s.",
                    "allOf": [
                      {
                        "$ref": "#/definitions/duration"
                      }
                    ]
                  },
                  "retries": {
                    "type": "integer",
                    "minimum": 0,
                    "description": "Tries after a lock timeout; default 5."
                  },
                  "lock_budget": {
                    "description": "How long the step may hold a strong lock on a tenant table; default 200ms for ACCESS EXCLUSIVE.",
                    "allOf": [
                      {
                        "$ref": "#/definitions/duration"
                      }
                    ]
                  },
                  "rerun_until_done": {
                    "type": "boolean",
                    "description": "Runs again on every run until the steps after it succeed."
                  },
                  "migration": {
                    "type": "string",
                    "pattern": "^[0-9]+_.*\\.sql$",
                    "description": "A file in Playbooks/migrations/, named <version>_<name>.sql as Supabase names them; recorded in supabase_migrations.schema_migrations where it exists."
                  },
                  "sql": {
                    "description": "Statements written in the playbook itself.",
                    "allOf": [
                      {
                        "$ref": "#/definitions/string"
                      }
                    ]
                  },
                  "suite": {
                    "description": "A check suite (Playbooks/checks/<suite>.yml) that must pass at this point.",
                    "allOf": [
                      {
                        "$ref": "#/definitions/string"
                      }
                    ]
                  },
                  "shell": {
                    "description": "A command run by /bin/sh, given TOLLGATE_ENVIRONMENT, TOLLGATE_PLAYBOOK, TOLLGATE_STEP and TOLLGATE_DATABASE_URL.",
                    "allOf": [
                      {
                        "$ref": "#/definitions/string"
                      }
                    ]
                  },
                  "wait": {
                    "description": "A pause before the next step (let tokens refresh).",
                    "allOf": [
                      {
                        "$ref": "#/definitions/duration"
                      }
                    ]
                  },
                  "backfill": {
                    "type": "object",
                    "additionalProperties": false,
                    "required": [
                      "table",
                      "set",
                      "where"
                    ],
                    "description": "A batched UPDATE of one table, in short resumable transactions; the table is t in set and where.",
                    "properties": {
                      "table": {
                        "description": "The table, such as public.leads.",
                        "allOf": [
                          {
                            "$ref": "#/definitions/string"
                          }
                        ]
                      },
                      "set": {
                        "description": "The SET list: org_id = (select \u2026).",
                        "allOf": [
                          {
                            "$ref": "#/definitions/string"
                          }
                        ]
                      },
                      "where": {
                        "description": "Rows that still need the change (makes each batch idempotent): t.org_id is null.",
                        "allOf": [
                          {
                            "$ref": "#/definitions/string"
                          }
                        ]
                      },
                      "batch_pages": {
                        "type": "integer",
                        "minimum": 1,
                        "description": "Pages per batch to start with; default 8."
                      },
                      "connections": {
                        "type": "integer",
                        "minimum": 1,
                        "maximum": 16,
                        "description": "Connections that walk the table side by side, each on page ranges of its own; default 2."
                      },
                      "target": {
                        "description": "How long one batch should take; default 50ms, under writer_latency, so a writer meeting its locks waits less than it tolerates.",
                        "allOf": [
                          {
                            "$ref": "#/definitions/duration"
                          }
                        ]
                      },
                      "pause": {
                        "description": "A pause between batches; default 0.",
                        "allOf": [
                          {
                            "$ref": "#/definitions/duration"
                          }
                        ]
                      },
                      "max_pause": {
                        "description": "The longest pause added when writers wait; default 2s.",
                        "allOf": [
                          {
                            "$ref": "#/definitions/duration"
                          }
                        ]
                      },
                      "writer_latency": {
                        "description": "The application's latency the backfill tolerates; default 100ms.",
                        "allOf": [
                          {
                            "$ref": "#/definitions/duration"
                          }
                        ]
                      }
                    }
                  },
                  "supabase_migrations": {
                    "description": "A Supabase CLI migrations folder relative to the project (supabase/migrations): each pending <timestamp>_<name>.sql becomes a step, as supabase db push applies them.",
                    "type": "string",
                    "minLength": 1
                  }
                },
                "oneOf": [
                  {
                    "required": [
                      "migration"
                    ]
                  },
                  {
                    "required": [
                      "sql"
                    ]
                  },
                  {
                    "required": [
                      "suite"
                    ]
                  },
                  {
                    "required": [
                      "shell"
                    ]
                  },
                  {
                    "required": [
                      "wait"
                    ]
                  },
                  {
                    "required": [
                      "backfill"
                    ]
                  },
                  {
                    "required": [
                      "supabase_migrations"
                    ]
                  }
                ]
              },
              "description": "The steps, in order."
            }
          },
          "definitions": {
            "duration": {
              "anyOf": [
                {
                  "type": "integer",
                  "minimum": 0
                },
                {
                  "type": "string",
                  "pattern": "^\\s*([0-9]+|([0-9]+(ms|s|m|h|d))+)\\s*$"
                }
              ]
            },
            "string": {
              "not": {
                "type": [
                  "null",
                  "object",
                  "array"
                ]
              }
            }
          }
        }
        """##

    /// `Playbooks/schemas/suite.schema.json`.
    static let suite = ##"""
        {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "title": "Tollgate check suite (Playbooks/checks/*.yml)",
          "description": "A check-suite file: a named list of checks (suite + checks), and/or table_sets shared by every suite.",
          "type": "object",
          "additionalProperties": false,
          "required": [
            "version"
          ],
          "properties": {
            "version": {
              "description": "The file format's version; this tollgate reads version 1.",
              "type": "integer",
              "enum": [
                1
              ]
            },
            "suite": {
              "description": "The suite's name, unique across Playbooks/checks/ (`tollgate check <suite>`, playbook gates).",
              "allOf": [
                {
                  "$ref": "#/definitions/string"
                }
              ]
            },
            "description": {
              "description": "What the suite asserts, in words.",
              "allOf": [
                {
                  "$ref": "#/definitions/string"
                }
              ]
            },
            "table_sets": {
              "description": "Named lists of tables that checks walk with for_each, defined once for every suite (a name may be defined in one file only). Unqualified names are in public.",
              "type": "object",
              "propertyNames": {
                "$ref": "#/definitions/string"
              },
              "additionalProperties": {
                "description": "The tables of the set: a list, or one table.",
                "allOf": [
                  {
                    "$ref": "#/definitions/strings"
                  }
                ]
              }
            },
            "checks": {
              "description": "The suite's checks, in order.",
              "type": "array",
              "items": {
                "$ref": "#/definitions/check"
              }
            }
          },
          "dependencies": {
            "checks": [
              "suite"
            ],
            "suite": [
              "checks"
            ]
          },
          "definitions": {
            "string": {
              "$comment": "YAMLReader.string: any scalar but a plain null (~, null, Null, NULL or nothing); plain numbers and booleans are read as their text. Written as `not` so that YAML 1.1 timestamps (which PyYAML turns into dates) count too.",
              "description": "A string (plain numbers and booleans are read as their text; null is not a string).",
              "not": {
                "type": [
                  "null",
                  "object",
                  "array"
                ]
              }
            },
            "strings": {
              "$comment": "YAMLReader.strings: a list of strings, or a single string read as a list of one.",
              "description": "A list of strings, or one string.",
              "anyOf": [
                {
                  "$ref": "#/definitions/string"
                },
                {
                  "type": "array",
                  "items": {
                    "$ref": "#/definitions/string"
                  }
                }
              ]
            },
            "check": {
              "title": "Check",
              "description": "One assertion: an `id`, exactly one kind, and optionally description, for_each, requires, present and fix.",
              "type": "object",
              "additionalProperties": false,
              "required": [
                "id"
              ],
              "properties": {
                "id": {
                  "description": "The check's id, unique in the suite; `requires` names it.",
                  "allOf": [
                    {
                      "$ref": "#/definitions/string"
                    }
                  ]
                },
                "description": {
                  "description": "What the check asserts, in words.",
                  "allOf": [
                    {
                      "$ref": "#/definitions/string"
                    }
                  ]
                },
                "for_each": {
                  "description": "A table set (from any file's table_sets): the check runs once per table, and {table} stands for it (public.leads in names, the quoted identifier in SQL).",
                  "allOf": [
                    {
                      "$ref": "#/definitions/string"
                    }
                  ]
                },
                "present": {
                  "type": "boolean",
                  "description": "false turns a structural check around: no matching object may exist. Default true. `code` cannot be turned around."
                },
                "requires": {
                  "description": "Ids of checks in this suite that must have passed (for every subject) before this one runs: a list, or one id.",
                  "allOf": [
                    {
                      "$ref": "#/definitions/strings"
                    }
                  ]
                },
                "fix": {
                  "description": "What to do when the check fails.",
                  "allOf": [
                    {
                      "$ref": "#/definitions/string"
                    }
                  ]
                },
                "table": {
                  "description": "`table: NAME` \u2014 the table exists. A scalar names the table; the mapping form `{table}` may leave it out under for_each.",
                  "anyOf": [
                    {
                      "description": "The table's name (public.organizations, or \"{table}\" under for_each).",
                      "allOf": [
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    },
                    {
                      "description": "The table, as a mapping.",
                      "type": "object",
                      "additionalProperties": false,
                      "properties": {
                        "table": {
                          "description": "The table, schema-qualified or not (public.leads); defaults to the check's for_each subject, {table}. Required without for_each.",
                          "allOf": [
                            {
                              "$ref": "#/definitions/string"
                            }
                          ]
                        }
                      }
                    }
                  ]
                },
                "column": {
                  "description": "`column: {table, name, type, not_null}` \u2014 the column exists with that type and nullability.",
                  "type": "object",
                  "additionalProperties": false,
                  "properties": {
                    "table": {
                      "description": "The table, schema-qualified or not (public.leads); defaults to the check's for_each subject, {table}. Required without for_each.",
                      "allOf": [
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    },
                    "name": {
                      "description": "The column's name.",
                      "allOf": [
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    },
                    "type": {
                      "description": "Its type, as PostgreSQL formats it (uuid, text, timestamp with time zone).",
                      "allOf": [
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    },
                    "not_null": {
                      "type": "boolean",
                      "description": "true: it must be NOT NULL; false: it must be nullable; absent: either."
                    }
                  },
                  "required": [
                    "name"
                  ]
                },
                "foreign_key": {
                  "description": "`foreign_key: {table, columns, references: public.organizations(id), validated}` \u2014 a foreign key exists (validated, unless `validated: false`).",
                  "type": "object",
                  "additionalProperties": false,
                  "properties": {
                    "table": {
                      "description": "The table, schema-qualified or not (public.leads); defaults to the check's for_each subject, {table}. Required without for_each.",
                      "allOf": [
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    },
                    "columns": {
                      "description": "The referencing columns: a list, or one name.",
                      "allOf": [
                        {
                          "$ref": "#/definitions/strings"
                        }
                      ]
                    },
                    "references": {
                      "description": "The referenced table and columns: public.organizations(id).",
                      "allOf": [
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    },
                    "validated": {
                      "type": "boolean",
                      "description": "Whether it must be validated (not NOT VALID); true by default."
                    }
                  },
                  "required": [
                    "columns",
                    "references"
                  ]
                },
                "index": {
                  "description": "`index: {table, columns, unique}` \u2014 a valid index leads with those columns.",
                  "type": "object",
                  "additionalProperties": false,
                  "properties": {
                    "table": {
                      "description": "The table, schema-qualified or not (public.leads); defaults to the check's for_each subject, {table}. Required without for_each.",
                      "allOf": [
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    },
                    "columns": {
                      "description": "The columns the index leads with: a list, or one name.",
                      "allOf": [
                        {
                          "$ref": "#/definitions/strings"
                        }
                      ]
                    },
                    "unique": {
                      "type": "boolean",
                      "description": "true: the index must be unique."
                    }
                  },
                  "required": [
                    "columns"
                  ]
                },
                "function": {
                  "description": "`function: {name, schema, returns, volatility, security_definer, body_contains, owner_not, application}` \u2014 a function matches (with `present: false`: none does).",
                  "type": "object",
                  "additionalProperties": false,
                  "properties": {
                    "name": {
                      "description": "The function's name, schema-qualified (public.auth_org_id).",
                      "allOf": [
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    },
                    "schema": {
                      "description": "Only functions in this schema.",
                      "allOf": [
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    },
                    "returns": {
                      "description": "Its result type, as PostgreSQL formats it (uuid).",
                      "allOf": [
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    },
                    "volatility": {
                      "description": "immutable, stable or volatile (compared case-insensitively; the loader takes any string).",
                      "anyOf": [
                        {
                          "enum": [
                            "immutable",
                            "stable",
                            "volatile"
                          ]
                        },
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    },
                    "security_definer": {
                      "type": "boolean",
                      "description": "true: SECURITY DEFINER; false: SECURITY INVOKER."
                    },
                    "body_contains": {
                      "description": "Text its body must contain.",
                      "allOf": [
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    },
                    "owner_not": {
                      "description": "Only functions owned by a role other than this one.",
                      "allOf": [
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    },
                    "application": {
                      "type": "boolean",
                      "description": "true leaves out Supabase's own functions (auth.uid(), auth.role(), auth.email(), auth.jwt()) whoever owns them."
                    }
                  }
                },
                "trigger": {
                  "description": "`trigger: {table, function, events, timing}` \u2014 an enabled trigger matches.",
                  "type": "object",
                  "additionalProperties": false,
                  "properties": {
                    "table": {
                      "description": "The table, schema-qualified or not (public.leads); defaults to the check's for_each subject, {table}. Required without for_each.",
                      "allOf": [
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    },
                    "function": {
                      "description": "The function it executes, schema-qualified (public.tollgate_fill_org_id).",
                      "allOf": [
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    },
                    "events": {
                      "description": "Events it must fire on (INSERT, UPDATE, DELETE, TRUNCATE; compared case-insensitively): a list, or one event.",
                      "anyOf": [
                        {
                          "enum": [
                            "INSERT",
                            "UPDATE",
                            "DELETE",
                            "TRUNCATE"
                          ]
                        },
                        {
                          "type": "array",
                          "items": {
                            "anyOf": [
                              {
                                "enum": [
                                  "INSERT",
                                  "UPDATE",
                                  "DELETE",
                                  "TRUNCATE"
                                ]
                              },
                              {
                                "$ref": "#/definitions/string"
                              }
                            ]
                          }
                        },
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    },
                    "timing": {
                      "description": "BEFORE, AFTER or INSTEAD OF (compared case-insensitively; the loader takes any string).",
                      "anyOf": [
                        {
                          "enum": [
                            "BEFORE",
                            "AFTER",
                            "INSTEAD OF"
                          ]
                        },
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    }
                  }
                },
                "rls": {
                  "description": "`rls: {table, forced}` (or `rls: TABLE`) \u2014 row level security is enabled (and forced).",
                  "anyOf": [
                    {
                      "description": "The table's name.",
                      "allOf": [
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    },
                    {
                      "description": "The table and whether RLS must be forced.",
                      "type": "object",
                      "additionalProperties": false,
                      "properties": {
                        "table": {
                          "description": "The table, schema-qualified or not (public.leads); defaults to the check's for_each subject, {table}. Required without for_each.",
                          "allOf": [
                            {
                              "$ref": "#/definitions/string"
                            }
                          ]
                        },
                        "forced": {
                          "type": "boolean",
                          "description": "true: row level security must also be forced (FORCE ROW LEVEL SECURITY)."
                        }
                      }
                    }
                  ]
                },
                "policy": {
                  "description": "`policy: {table, command, roles, using_contains, with_check}` \u2014 a policy matches.",
                  "type": "object",
                  "additionalProperties": false,
                  "properties": {
                    "table": {
                      "description": "The table, schema-qualified or not (public.leads); defaults to the check's for_each subject, {table}. Required without for_each.",
                      "allOf": [
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    },
                    "command": {
                      "description": "SELECT, INSERT, UPDATE, DELETE or ALL (compared case-insensitively; a FOR ALL policy matches any command; the loader takes any string).",
                      "anyOf": [
                        {
                          "enum": [
                            "SELECT",
                            "INSERT",
                            "UPDATE",
                            "DELETE",
                            "ALL"
                          ]
                        },
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    },
                    "roles": {
                      "description": "Roles the policy must apply to (all of them): a list, or one role.",
                      "allOf": [
                        {
                          "$ref": "#/definitions/strings"
                        }
                      ]
                    },
                    "using_contains": {
                      "description": "Text its USING expression must contain.",
                      "allOf": [
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    },
                    "with_check": {
                      "type": "boolean",
                      "description": "true: the policy must have a WITH CHECK (SELECT and DELETE policies need none)."
                    }
                  }
                },
                "no_rows": {
                  "description": "`no_rows: SQL` \u2014 the query returns no rows (it runs read-only; a failure shows the count and 5 rows). {table} is the subject as a quoted identifier.",
                  "anyOf": [
                    {
                      "description": "The SQL query.",
                      "allOf": [
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    },
                    {
                      "description": "The query, as a mapping.",
                      "type": "object",
                      "additionalProperties": false,
                      "properties": {
                        "sql": {
                          "description": "The SQL query.",
                          "allOf": [
                            {
                              "$ref": "#/definitions/string"
                            }
                          ]
                        }
                      },
                      "required": [
                        "sql"
                      ]
                    }
                  ]
                },
                "probe": {
                  "description": "`probe: tenant_isolation | immutability | claim_spoofing` \u2014 a behaviour, tried on the live database in a transaction that is always rolled back. Per table only: the check needs a for_each.",
                  "enum": [
                    "tenant_isolation",
                    "immutability",
                    "claim_spoofing"
                  ]
                },
                "code": {
                  "description": "`code: {paths, types}` \u2014 the database has what the application's supabase-js code expects; one failure per unmet expectation. Takes no for_each and no `present: false`.",
                  "type": "object",
                  "additionalProperties": false,
                  "properties": {
                    "paths": {
                      "description": "Folders or files of source, relative to the project (they must exist): a list of at least one, or one path.",
                      "anyOf": [
                        {
                          "$ref": "#/definitions/string"
                        },
                        {
                          "type": "array",
                          "minItems": 1,
                          "items": {
                            "$ref": "#/definitions/string"
                          }
                        }
                      ]
                    },
                    "types": {
                      "description": "The file `supabase gen types typescript` wrote, relative to the project (it must exist).",
                      "allOf": [
                        {
                          "$ref": "#/definitions/string"
                        }
                      ]
                    }
                  },
                  "required": [
                    "paths"
                  ]
                }
              },
              "oneOf": [
                {
                  "required": [
                    "table"
                  ]
                },
                {
                  "required": [
                    "column"
                  ]
                },
                {
                  "required": [
                    "foreign_key"
                  ]
                },
                {
                  "required": [
                    "index"
                  ]
                },
                {
                  "required": [
                    "function"
                  ]
                },
                {
                  "required": [
                    "trigger"
                  ]
                },
                {
                  "required": [
                    "rls"
                  ]
                },
                {
                  "required": [
                    "policy"
                  ]
                },
                {
                  "required": [
                    "no_rows"
                  ]
                },
                {
                  "required": [
                    "probe"
                  ]
                },
                {
                  "required": [
                    "code"
                  ]
                }
              ],
              "allOf": [
                {
                  "$comment": "Without for_each a kind has no default table: a mapping must name its `table`, and a probe cannot run.",
                  "if": {
                    "not": {
                      "required": [
                        "for_each"
                      ]
                    }
                  },
                  "then": {
                    "properties": {
                      "table": {
                        "required": [
                          "table"
                        ]
                      },
                      "column": {
                        "required": [
                          "table"
                        ]
                      },
                      "foreign_key": {
                        "required": [
                          "table"
                        ]
                      },
                      "index": {
                        "required": [
                          "table"
                        ]
                      },
                      "trigger": {
                        "required": [
                          "table"
                        ]
                      },
                      "rls": {
                        "required": [
                          "table"
                        ]
                      },
                      "policy": {
                        "required": [
                          "table"
                        ]
                      },
                      "probe": {
                        "not": {},
                        "description": "A probe runs per table: give the check a for_each."
                      }
                    }
                  }
                },
                {
                  "$comment": "'code' reads the whole application: it takes no for_each.",
                  "if": {
                    "required": [
                      "for_each"
                    ]
                  },
                  "then": {
                    "properties": {
                      "code": {
                        "not": {},
                        "description": "'code' takes no for_each."
                      }
                    }
                  }
                },
                {
                  "$comment": "'code' cannot be turned around with present: false.",
                  "if": {
                    "required": [
                      "present"
                    ],
                    "properties": {
                      "present": {
                        "const": false
                      }
                    }
                  },
                  "then": {
                    "properties": {
                      "code": {
                        "not": {},
                        "description": "'code' cannot be turned around with present: false."
                      }
                    }
                  }
                }
              ]
            }
          }
        }
        """##
}
