/// Implements the text form of a closed vocabulary stored as lowercase text:
/// `ALL`, `as_str`, `label`, `Display` (the label) and `FromStr` (the stored text).
macro_rules! closed_vocabulary {
    ($type:ident, $kind:literal, { $($variant:ident => ($text:literal, $label:literal)),+ $(,)? }) => {
        impl $type {
            pub const ALL: &'static [$type] = &[$($type::$variant),+];

            /// The stored (and serialized) form.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($type::$variant => $text),+
                }
            }

            /// The form shown to people.
            pub fn label(self) -> &'static str {
                match self {
                    $($type::$variant => $label),+
                }
            }
        }

        impl std::fmt::Display for $type {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.label())
            }
        }

        impl std::str::FromStr for $type {
            type Err = $crate::model::UnknownVariant;

            fn from_str(value: &str) -> Result<Self, Self::Err> {
                $type::ALL
                    .iter()
                    .copied()
                    .find(|candidate| candidate.as_str() == value)
                    .ok_or_else(|| $crate::model::UnknownVariant { kind: $kind, value: value.to_owned() })
            }
        }
    };
}

pub(crate) use closed_vocabulary;
