using Astromech.Envs.Spaces;

namespace Astromech.Agents;

/// <summary>
/// The space checks every agent's constructor makes, with one wording: "&lt;algo&gt; needs a … space, but the env's … space
/// is …". (<c>AlgorithmInfo.EnsureSupports</c> refuses a wrong action kind earlier, by the algorithm's registration;
/// these guard agents built directly from code.)
/// </summary>
public static class AgentSpaces
{
    public static Discrete DiscreteActions(string algo, Space actionSpace) => actionSpace as Discrete
        ?? throw new ArgumentException($"{algo} needs a Discrete action space, but the env's action space is {actionSpace}");

    public static Box BoxObservations(string algo, Space observationSpace) => observationSpace as Box
        ?? throw new ArgumentException($"{algo} needs a Box observation space, but the env's observation space is {observationSpace}");

    public static void DiscreteOrBoxActions(string algo, Space actionSpace)
    {
        if (actionSpace is not (Discrete or Box))
            throw new ArgumentException($"{algo} needs a Discrete or Box action space, but the env's action space is {actionSpace}");
    }
}
